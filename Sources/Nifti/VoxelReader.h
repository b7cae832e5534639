#pragma once

#include "Nifti/NiftiVolume.h"

#include <vector>

namespace NiftiToDicom
{
  // Reads voxels as the real values they stand for (byte order handled,
  // scl_slope/scl_inter applied), a row at a time, in DICOM row order.
  class VoxelReader
  {
  private:
    const NiftiVolume& volume_;
    double slope_;
    double intercept_;

  public:
    explicit VoxelReader(const NiftiVolume& volume);

    // The values of DICOM row r (NIfTI row ny-1-r) of slice k, volume t
    void ReadDicomRow(std::vector<double>& target, int64_t r, int64_t k, int64_t t) const;

  };
}
