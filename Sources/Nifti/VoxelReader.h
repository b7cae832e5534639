#pragma once

#include "Nifti/NiftiVolume.h"

#include <vector>

namespace NiftiToDicom
{
  // Reads voxels as the real values they stand for (byte order handled,
  // scl_slope/scl_inter applied), a row at a time, in DICOM row order.
  // It keeps the slice it read last, so that reading the rows of a slice one
  // after the other reads the slice once: one reader per thread, never
  // shared (ReadDicomRow is not const).
  class VoxelReader
  {
  private:
    const NiftiVolume& volume_;
    double slope_;
    double intercept_;
    NiftiSlice slice_;
    int64_t sliceK_;
    int64_t sliceT_;

  public:
    explicit VoxelReader(const NiftiVolume& volume);

    VoxelReader(const VoxelReader&) = delete;
    VoxelReader& operator=(const VoxelReader&) = delete;

    // The values of DICOM row r (NIfTI row ny-1-r) of slice k, volume t
    void ReadDicomRow(std::vector<double>& target, int64_t r, int64_t k, int64_t t);
  };
}
