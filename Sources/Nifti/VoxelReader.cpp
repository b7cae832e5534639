#include "Nifti/VoxelReader.h"

#include "Nifti/VoxelType.h"

namespace NiftiToDicom
{
  namespace
  {
    template <typename T>
    void ReadRow(std::vector<double>& target, const uint8_t* row, int64_t width, bool swap,
                 double slope, double intercept)
    {
      target.resize(static_cast<size_t>(width));
      for (int64_t i = 0; i < width; i++)
      {
        target[i] = slope * static_cast<double>(ReadVoxel<T>(row + i * sizeof(T), swap)) + intercept;
      }
    }
  }


  VoxelReader::VoxelReader(const NiftiVolume& volume) :
    volume_(volume),
    slope_(volume.GetHeader().HasScaling() ? volume.GetHeader().sclSlope : 1.0),
    intercept_(volume.GetHeader().HasScaling() ? volume.GetHeader().sclInter : 0.0),
    sliceK_(-1),
    sliceT_(-1)
  {
  }


  void VoxelReader::ReadDicomRow(std::vector<double>& target, int64_t r, int64_t k, int64_t t)
  {
    if (k != sliceK_ || t != sliceT_)
    {
      sliceK_ = -1;   // a failed read leaves no slice behind
      volume_.ReadSlice(slice_, k, t);
      sliceK_ = k;
      sliceT_ = t;
    }
    const uint8_t* row = slice_.GetRow(volume_.GetHeight() - 1 - r);
    const int64_t width = volume_.GetWidth();
    const bool swap = volume_.GetHeader().byteSwapped;

    VisitVoxelType(volume_.GetHeader().datatype, [&](auto tag)
    {
      ReadRow<typename decltype(tag)::Type>(target, row, width, swap, slope_, intercept_);
    });
  }
}
