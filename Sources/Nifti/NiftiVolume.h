#pragma once

#include "Nifti/NiftiHeader.h"

#include <string>

namespace NiftiToDicom
{
  // A whole NIfTI file held in memory once: the header, plus the voxels
  // read in place from the same buffer (no second copy of the volume).
  class NiftiVolume
  {
  private:
    std::string  buffer_;   // the decompressed .nii file
    NiftiHeader  header_;

  public:
    // Takes the bytes of a .nii or .nii.gz file. "file" is consumed (moved
    // from) so that the volume exists in memory only once. Gzip data is
    // inflated up to maxVolumeBytes.
    NiftiVolume(std::string&& file, size_t maxVolumeBytes);

    // Reads a .nii or .nii.gz file from disk, inflating it while reading
    // (never holding the compressed and the inflated bytes together).
    // "name" is how messages call the file (not necessarily its path).
    static std::string ReadFile(const std::string& path, const std::string& name, size_t maxVolumeBytes);

    const NiftiHeader& GetHeader() const
    {
      return header_;
    }

    int64_t GetWidth() const
    {
      return header_.GetSize(1);
    }

    int64_t GetHeight() const
    {
      return header_.GetSize(2);
    }

    int64_t GetDepth() const
    {
      return header_.GetSize(3);
    }

    int64_t GetTimePoints() const
    {
      return header_.GetSize(4);
    }

    // Start of the stored voxels of row j of slice k in volume t, in file
    // byte order: GetWidth() voxels of header.bytesPerVoxel bytes each.
    const uint8_t* GetRow(int64_t j, int64_t k, int64_t t) const;
  };
}
