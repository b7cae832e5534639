#pragma once

class DcmDataset;
class DcmItem;

namespace NiftiToDicom
{
  // What the Enhanced MR and Enhanced MR Color images say about themselves:
  // a derived volume, of a contrast the NIfTI does not name
  namespace EnhancedMrImageModule
  {
    // Enhanced MR Image module (PS3.3 C.8.13.1) but its Image Pixel
    // attributes, with the empty Acquisition Context. "pixelPresentation":
    // MONOCHROME or TRUE_COLOR.
    void Write(DcmDataset& dataset, const char* pixelPresentation);

    // MR Image Frame Type functional group (C.8.13.5.1) in the shared groups
    void WriteFrameType(DcmItem& shared, const char* pixelPresentation);
  }
}
