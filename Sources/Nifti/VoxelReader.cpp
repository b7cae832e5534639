#include "Nifti/VoxelReader.h"

#include "Common/ConversionError.h"

#include <nifti2_io.h>

#include <algorithm>
#include <cstring>

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
        T value;
        memcpy(&value, row + i * sizeof(T), sizeof(T));
        if (swap && sizeof(T) > 1)
        {
          uint8_t* bytes = reinterpret_cast<uint8_t*>(&value);
          std::reverse(bytes, bytes + sizeof(T));
        }
        target[i] = slope * static_cast<double>(value) + intercept;
      }
    }
  }


  VoxelReader::VoxelReader(const NiftiVolume& volume) :
    volume_(volume),
    slope_(volume.GetHeader().HasScaling() ? volume.GetHeader().sclSlope : 1.0),
    intercept_(volume.GetHeader().HasScaling() ? volume.GetHeader().sclInter : 0.0)
  {
  }


  void VoxelReader::ReadDicomRow(std::vector<double>& target, int64_t r, int64_t k, int64_t t) const
  {
    const uint8_t* row = volume_.GetRow(volume_.GetHeight() - 1 - r, k, t);
    const int64_t width = volume_.GetWidth();
    const bool swap = volume_.GetHeader().byteSwapped;

    switch (volume_.GetHeader().datatype)
    {
      case NIFTI_TYPE_UINT8:   ReadRow<uint8_t>(target, row, width, swap, slope_, intercept_);  break;
      case NIFTI_TYPE_INT8:    ReadRow<int8_t>(target, row, width, swap, slope_, intercept_);   break;
      case NIFTI_TYPE_INT16:   ReadRow<int16_t>(target, row, width, swap, slope_, intercept_);  break;
      case NIFTI_TYPE_UINT16:  ReadRow<uint16_t>(target, row, width, swap, slope_, intercept_); break;
      case NIFTI_TYPE_INT32:   ReadRow<int32_t>(target, row, width, swap, slope_, intercept_);  break;
      case NIFTI_TYPE_UINT32:  ReadRow<uint32_t>(target, row, width, swap, slope_, intercept_); break;
      case NIFTI_TYPE_INT64:   ReadRow<int64_t>(target, row, width, swap, slope_, intercept_);  break;
      case NIFTI_TYPE_UINT64:  ReadRow<uint64_t>(target, row, width, swap, slope_, intercept_); break;
      case NIFTI_TYPE_FLOAT32: ReadRow<float>(target, row, width, swap, slope_, intercept_);    break;
      case NIFTI_TYPE_FLOAT64: ReadRow<double>(target, row, width, swap, slope_, intercept_);   break;
      default:
        throw ConversionError(ErrorKind::Internal, "VoxelReader: unexpected NIfTI data type");
    }
  }
}
