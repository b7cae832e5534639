#pragma once

#include "Plan/SeriesPlan.h"

class DcmDataset;
class DcmItem;

namespace NiftiToDicom
{
  // What the Enhanced MR and Enhanced MR Color images say about themselves:
  // a derived volume, of a contrast the NIfTI does not name
  namespace EnhancedMrImageModule
  {
    // Enhanced MR Image module (PS3.3 C.8.13.1) but its Image Pixel
    // attributes, with the empty Acquisition Context and the Source Image
    // Evidence of the reference series. "pixelPresentation": MONOCHROME or
    // TRUE_COLOR. The contrast is DIFFUSION with a diffusion table.
    void Write(DcmDataset& dataset, const SeriesPlan& plan, const char* pixelPresentation);

    // MR Image Frame Type functional group (C.8.13.5.1) in the shared groups
    void WriteFrameType(DcmItem& shared, const SeriesPlan& plan, const char* pixelPresentation);

    // Source Image Evidence Sequence (C.8.13.2, Type 1C): every image that
    // the Source Image Sequences of the functional groups name, by study,
    // series and instance. Nothing without a reference series.
    void WriteSourceImageEvidence(DcmDataset& dataset, const SeriesPlan& plan);
  }
}
