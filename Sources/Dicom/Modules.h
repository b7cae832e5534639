#pragma once

#include "Plan/SeriesPlan.h"

class DcmDataset;
class DcmItem;

namespace NiftiToDicom
{
  // The modules (PS3.3 C.7, C.12) that several IODs share, one function
  // each. An IOD's BuildInstance lists the ones it holds: a module absent
  // from an IOD is simply not called.
  namespace Modules
  {
    // SOP Common (C.12.1): character set, SOP class and instance, creation date
    void WriteSopCommon(DcmDataset& dataset, const SeriesPlan& plan, const char* sopClassUid);

    // SOP Common's Contributing Equipment Sequence: the scanner named in the
    // BIDS sidecar (Acquisition Equipment), then this plugin, which made the
    // instance from the NIfTI (Processing Equipment). With them, what the
    // scanner's converter said of the acquisition: the sidecar verbatim in
    // its private element (PrivateSidecar), unless it is not kept.
    void WriteContributingEquipment(DcmDataset& dataset, const SeriesPlan& plan);

    // Patient, Clinical Trial Subject, General Study, Patient Study and
    // Clinical Trial Study: verbatim from the parent study; the Type 2
    // attributes it lacks are written empty
    void WritePatientAndStudy(DcmDataset& dataset, const SeriesPlan& plan);

    // General Series (C.7.3.1)
    void WriteGeneralSeries(DcmDataset& dataset, const SeriesPlan& plan, const char* modality);

    // Frame of Reference (C.7.4.1)
    void WriteFrameOfReference(DcmDataset& dataset, const SeriesPlan& plan);

    // General Equipment (C.7.5.1): this plugin, the equipment that made the
    // instances (the scanner is in the Contributing Equipment Sequence)
    void WriteGeneralEquipment(DcmDataset& dataset);

    // Enhanced General Equipment (C.7.5.2): the same, whose attributes are
    // Type 1 there
    void WriteEnhancedGeneralEquipment(DcmDataset& dataset);

    // ICC Profile (C.11.15): the colours are sRGB
    void WriteIccProfile(DcmDataset& dataset);

    // The attributes of General Image (C.7.6.1) that say when and how the
    // pixels were made; the enhanced IODs hold the same attributes in their
    // own image modules
    void WriteImageDerivation(DcmDataset& dataset, const SeriesPlan& plan);

    // Common Instance Reference (C.12.2): the series the NIfTI was computed
    // from, when the request names one
    void WriteCommonInstanceReference(DcmDataset& dataset, const SeriesPlan& plan);

    // Derivation Image macro (C.7.6.16.2.6) in the shared functional
    // groups: how the frames were derived from the reference series
    void WriteDerivationImage(DcmItem& shared, const SeriesPlan& plan, const CodedConcept& derivation);

    // Source Image Sequence (General Image, Derivation Image macro) in
    // "item": the image of the reference series nearest to "slice" along
    // the normal when the series share their frame of reference, else all
    // of them (slice < 0: all). Nothing without a reference series.
    void WriteSourceImages(DcmItem& item, const SeriesPlan& plan, int64_t slice);
  }
}
