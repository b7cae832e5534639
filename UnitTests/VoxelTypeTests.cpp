// First: its DT_* codes, from the NIfTI specification, are also macros of
// the nifti1.h that VoxelType.h includes (with the same values)
#include "NiftiTestFile.h"

#include "Nifti/VoxelType.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

using namespace NiftiToDicom;
using namespace NiftiTest;

namespace
{
  // Size and kind of the C++ type that VisitVoxelType chose, as "i2", "u1", "f8"...
  std::string Describe(int datatype)
  {
    std::string result;
    VisitVoxelType(datatype, [&result](auto tag)
    {
      typedef typename decltype(tag)::Type T;
      result = (std::is_floating_point<T>::value ? "f" : std::is_signed<T>::value ? "i" : "u") +
        std::to_string(sizeof(T));
    });
    return result;
  }
}


TEST(VoxelType, EachScalarTypeHasItsCppType)
{
  EXPECT_EQ("u1", Describe(DT_UINT8));
  EXPECT_EQ("i1", Describe(DT_INT8));
  EXPECT_EQ("i2", Describe(DT_INT16));
  EXPECT_EQ("u2", Describe(DT_UINT16));
  EXPECT_EQ("i4", Describe(DT_INT32));
  EXPECT_EQ("u4", Describe(DT_UINT32));
  EXPECT_EQ("i8", Describe(DT_INT64));
  EXPECT_EQ("u8", Describe(DT_UINT64));
  EXPECT_EQ("f4", Describe(DT_FLOAT32));
  EXPECT_EQ("f8", Describe(DT_FLOAT64));
}


TEST(VoxelType, OtherTypesAreNotScalar)
{
  for (int datatype : { static_cast<int>(DT_RGB24), static_cast<int>(DT_RGBA32), static_cast<int>(DT_COMPLEX64),
                        static_cast<int>(DT_FLOAT128), 0, 3 })
  {
    EXPECT_FALSE(IsScalarVoxelType(datatype)) << datatype;
    bool visited = false;
    EXPECT_FALSE(TryVisitVoxelType(datatype, [&visited](auto) { visited = true; })) << datatype;
    EXPECT_FALSE(visited);
    EXPECT_THROW(VisitVoxelType(datatype, [](auto) {}), ConversionError) << datatype;
  }
  EXPECT_TRUE(IsScalarVoxelType(DT_INT16));
}


TEST(VoxelType, ReadVoxelSwapsBytesWhenAsked)
{
  const uint8_t bytes[8] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
  // Unaligned on purpose: voxels after a 352-byte header and odd extensions need not be aligned
  uint8_t buffer[9];
  memcpy(buffer + 1, bytes, 8);

  EXPECT_EQ(0x0201, ReadVoxel<uint16_t>(buffer + 1, false));
  EXPECT_EQ(0x0102, ReadVoxel<uint16_t>(buffer + 1, true));
  EXPECT_EQ(0x04030201u, ReadVoxel<uint32_t>(buffer + 1, false));
  EXPECT_EQ(0x01020304u, ReadVoxel<uint32_t>(buffer + 1, true));
  EXPECT_EQ(0x0102030405060708ull, ReadVoxel<uint64_t>(buffer + 1, true));
  EXPECT_EQ(0x01, ReadVoxel<uint8_t>(buffer + 1, true));

  const int16_t minus2 = -2;
  uint8_t swapped[2];
  memcpy(swapped, &minus2, 2);
  std::swap(swapped[0], swapped[1]);
  EXPECT_EQ(-2, ReadVoxel<int16_t>(swapped, true));

  const float value = -1.5f;
  uint8_t floatBytes[4];
  memcpy(floatBytes, &value, 4);
  std::reverse(floatBytes, floatBytes + 4);
  EXPECT_EQ(-1.5f, ReadVoxel<float>(floatBytes, true));
}
