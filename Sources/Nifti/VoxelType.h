#pragma once

#include "Common/ConversionError.h"

#include <nifti2_io.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

namespace NiftiToDicom
{
  // Names the C++ type of a scalar NIfTI voxel, for the visitors of
  // VisitVoxelType: use "typename decltype(tag)::Type" in a generic lambda.
  template <typename T>
  struct VoxelTypeTag
  {
    typedef T Type;
  };


  // The one list of scalar NIfTI data types and their C++ types. Calls
  // visitor(VoxelTypeTag<T>()) and returns true, or returns false for other
  // data types (RGB24, which has three samples per voxel, and every type
  // NiftiHeader refuses). Voxel loops are written once per visitor and
  // instantiated per type, so that no voxel pays for a switch.
  template <typename Visitor>
  bool TryVisitVoxelType(int datatype, Visitor&& visitor)
  {
    switch (datatype)
    {
      case NIFTI_TYPE_UINT8:   visitor(VoxelTypeTag<uint8_t>());  return true;
      case NIFTI_TYPE_INT8:    visitor(VoxelTypeTag<int8_t>());   return true;
      case NIFTI_TYPE_INT16:   visitor(VoxelTypeTag<int16_t>());  return true;
      case NIFTI_TYPE_UINT16:  visitor(VoxelTypeTag<uint16_t>()); return true;
      case NIFTI_TYPE_INT32:   visitor(VoxelTypeTag<int32_t>());  return true;
      case NIFTI_TYPE_UINT32:  visitor(VoxelTypeTag<uint32_t>()); return true;
      case NIFTI_TYPE_INT64:   visitor(VoxelTypeTag<int64_t>());  return true;
      case NIFTI_TYPE_UINT64:  visitor(VoxelTypeTag<uint64_t>()); return true;
      case NIFTI_TYPE_FLOAT32: visitor(VoxelTypeTag<float>());    return true;
      case NIFTI_TYPE_FLOAT64: visitor(VoxelTypeTag<double>());   return true;
      default:
        return false;
    }
  }


  // For code that only sees volumes of scalar types (the callers choose
  // another path for RGB24 beforehand).
  template <typename Visitor>
  void VisitVoxelType(int datatype, Visitor&& visitor)
  {
    if (!TryVisitVoxelType(datatype, visitor))
    {
      throw ConversionError(ErrorKind::Internal, "No scalar voxel type for NIfTI data type " +
                            std::to_string(datatype));
    }
  }


  inline bool IsScalarVoxelType(int datatype)
  {
    return TryVisitVoxelType(datatype, [](auto) {});
  }


  // The voxel at "p" (which need not be aligned), in native byte order
  template <typename T>
  inline T ReadVoxel(const uint8_t* p, bool swap)
  {
    T value;
    memcpy(&value, p, sizeof(T));
    if (swap && sizeof(T) > 1)
    {
      uint8_t* bytes = reinterpret_cast<uint8_t*>(&value);
      std::reverse(bytes, bytes + sizeof(T));
    }
    return value;
  }
}
