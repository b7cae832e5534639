#pragma once

#include "Iod/FrameLayout.h"
#include "Nifti/NiftiVolume.h"

class DcmDataset;

namespace NiftiToDicom
{
  // The RGB24 voxels of a NIfTI as the pixels of colour IODs, bytes as they
  // are: NIfTI RGB24 is already DICOM's RGB with PlanarConfiguration 0
  namespace RgbFrames
  {
    // Image Pixel attributes of 8-bit RGB, interleaved
    void WritePixelDescription(DcmDataset& dataset);

    // Pixel Data holding "frames" one after the other
    void InsertPixelData(DcmDataset& dataset, const NiftiVolume& volume, const std::vector<Frame>& frames);
  }
}
