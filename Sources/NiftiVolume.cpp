#include "NiftiVolume.h"

#include "GzipInflater.h"

namespace NiftiToDicom
{
  NiftiVolume::NiftiVolume(std::string&& file, size_t maxVolumeBytes)
  {
    if (GzipInflater::IsGzip(file.data(), file.size()))
    {
      std::string inflated;
      GzipInflater::Inflate(inflated, file.data(), file.size(), maxVolumeBytes);
      std::string().swap(file);  // release the compressed bytes now
      buffer_.swap(inflated);
    }
    else
    {
      buffer_.swap(file);
    }

    header_ = NiftiHeader::Parse(buffer_.data(), buffer_.size());
  }


  const uint8_t* NiftiVolume::GetRow(int64_t j, int64_t k, int64_t t) const
  {
    const int64_t row = (t * GetDepth() + k) * GetHeight() + j;
    const int64_t offset = header_.voxOffset + row * GetWidth() * header_.bytesPerVoxel;
    return reinterpret_cast<const uint8_t*>(buffer_.data()) + offset;
  }
}
