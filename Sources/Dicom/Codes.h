#pragma once

#include "Plan/SeriesPlan.h"

namespace NiftiToDicom
{
  // The coded concepts that the IODs write, from their coding schemes
  // (DCM: PS3.16, SCT: SNOMED CT, UCUM)
  namespace Codes
  {
    CodedConcept Make(const char* value, const char* scheme, const char* meaning);

    // Contributing Equipment: the plugin processed the data
    const CodedConcept& ProcessingEquipment();

    // Contributing Equipment: the scanner acquired it
    const CodedConcept& AcquisitionEquipment();

    // Source Image Sequence: what the referenced images were used for
    const CodedConcept& SourceImageForProcessing();

    // Derivation Image macro: how the images were derived
    const CodedConcept& ImageProcessing();
    const CodedConcept& Segmentation();

    // Frame Anatomy: the NIfTI says nothing of anatomy, so the whole body
    const CodedConcept& EntireBody();

    // Segment categories and types: a label map says nothing more
    const CodedConcept& Tissue();

    // Real World Value Mapping: values without units, and the name of a quantity
    const CodedConcept& NoUnits();
    const CodedConcept& Quantity();
  }
}
