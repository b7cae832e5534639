#pragma once

#include "Metadata/LabelTable.h"

namespace NiftiToDicom
{
  // The labels of FreeSurfer's aseg and aparc+aseg (Desikan-Killiany)
  // segmentations: FreeSurferColorLUT's names and colours, with SNOMED CT
  // codes of the structure (and its side) for each, so that a SEG or an
  // RTSTRUCT says what it shows in a form other software understands
  class FreeSurferLabels
  {
  public:
    static const LabelTable& Get();
  };
}
