#include "Nifti/NiftiHeader.h"
#include "NiftiTestFile.h"
#include "TestHelpers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace NiftiToDicom;
using namespace NiftiTest;

namespace
{
  NiftiHeader ParseFile(const std::string& file)
  {
    return NiftiHeader::Parse(file.data(), file.size());
  }

  // A 4x3x2 int16 file with every field set to a recognisable value
  NiftiTestFile MakeDetailedFile(int version, bool swapped)
  {
    NiftiTestFile f(version, { 4, 3, 2 }, DT_INT16);
    f.byteSwapped = swapped;
    f.pixdim[1] = 0.75;
    f.pixdim[2] = 1.25;
    f.pixdim[3] = 2.5;
    f.sclSlope = 0.5;
    f.sclInter = -8;
    f.calMin = -10;
    f.calMax = 250;
    f.xyztUnits = 2 | 8;   // mm, s
    f.intentCode = 1002;   // label
    f.descrip = "a test volume";
    const double rows[3][4] = { { -0.75, 0, 0, 90 }, { 0, 1.25, 0, -126 }, { 0, 0, 2.5, -72 } };
    f.SetSform(4, rows);
    f.qformCode = 1;
    return f;
  }

  void CheckDetailedHeader(const NiftiHeader& h, int version, bool swapped)
  {
    EXPECT_EQ(version, h.version);
    EXPECT_EQ(swapped, h.byteSwapped);
    EXPECT_EQ(version == 2 ? 540u : 348u, h.headerSize);
    EXPECT_EQ(3, h.dim[0]);
    EXPECT_EQ(4, h.dim[1]);
    EXPECT_EQ(3, h.dim[2]);
    EXPECT_EQ(2, h.dim[3]);
    EXPECT_EQ(4, h.GetSize(1));
    EXPECT_EQ(3, h.GetSize(2));
    EXPECT_EQ(2, h.GetSize(3));
    EXPECT_EQ(1, h.GetSize(4));   // beyond dim[0]
    EXPECT_EQ(24, h.GetVoxelCount());
    EXPECT_EQ(48u, h.GetVoxelBytes());
    EXPECT_EQ(DT_INT16, h.datatype);
    EXPECT_EQ(2, h.bytesPerVoxel);
    EXPECT_EQ(version == 2 ? 544 : 352, h.voxOffset);
    EXPECT_DOUBLE_EQ(0.75, h.pixdim[1]);
    EXPECT_DOUBLE_EQ(1.25, h.pixdim[2]);
    EXPECT_DOUBLE_EQ(2.5, h.pixdim[3]);
    EXPECT_DOUBLE_EQ(0.5, h.sclSlope);
    EXPECT_DOUBLE_EQ(-8, h.sclInter);
    EXPECT_TRUE(h.HasScaling());
    EXPECT_DOUBLE_EQ(-10, h.calMin);
    EXPECT_DOUBLE_EQ(250, h.calMax);
    EXPECT_EQ(10, h.xyztUnits);
    EXPECT_DOUBLE_EQ(1.0, h.GetSpatialUnitScale());
    EXPECT_EQ(1002, h.intentCode);
    EXPECT_EQ("a test volume", h.descrip);
    EXPECT_EQ(4, h.sformCode);
    EXPECT_EQ(1, h.qformCode);
    EXPECT_DOUBLE_EQ(-0.75, h.sform(0, 0));
    EXPECT_DOUBLE_EQ(90, h.sform(0, 3));
    EXPECT_DOUBLE_EQ(1.25, h.sform(1, 1));
    EXPECT_DOUBLE_EQ(-126, h.sform(1, 3));
    EXPECT_DOUBLE_EQ(2.5, h.sform(2, 2));
    EXPECT_DOUBLE_EQ(-72, h.sform(2, 3));
    EXPECT_DOUBLE_EQ(0, h.sform(0, 1));
    EXPECT_DOUBLE_EQ(0, h.sform(2, 0));
  }

  void ExpectAffine(const Affine& actual, const double expected[3][4], double tolerance)
  {
    for (int r = 0; r < 3; r++)
    {
      for (int c = 0; c < 4; c++)
      {
        EXPECT_NEAR(expected[r][c], actual(r, c), tolerance) << "element (" << r << ", " << c << ")";
      }
    }
  }
}


TEST(NiftiHeader, Nifti1NativeOrder)
{
  const NiftiHeader h = ParseFile(MakeDetailedFile(1, false).Build());
  CheckDetailedHeader(h, 1, false);
}


TEST(NiftiHeader, Nifti1SwappedOrder)
{
  const NiftiHeader h = ParseFile(MakeDetailedFile(1, true).Build());
  CheckDetailedHeader(h, 1, true);
}


TEST(NiftiHeader, Nifti2NativeOrder)
{
  const NiftiHeader h = ParseFile(MakeDetailedFile(2, false).Build());
  CheckDetailedHeader(h, 2, false);
}


TEST(NiftiHeader, Nifti2SwappedOrder)
{
  const NiftiHeader h = ParseFile(MakeDetailedFile(2, true).Build());
  CheckDetailedHeader(h, 2, true);
}


TEST(NiftiHeader, FourDimensions)
{
  for (int version = 1; version <= 2; version++)
  {
    SCOPED_TRACE(version);
    NiftiTestFile f(version, { 5, 4, 3, 6 }, DT_FLOAT32);
    f.pixdim[4] = 2.5;
    const NiftiHeader h = ParseFile(f.Build());
    EXPECT_EQ(4, h.dim[0]);
    EXPECT_EQ(6, h.GetSize(4));
    EXPECT_EQ(5 * 4 * 3 * 6, h.GetVoxelCount());
    EXPECT_EQ(5u * 4 * 3 * 6 * 4, h.GetVoxelBytes());
    EXPECT_DOUBLE_EQ(2.5, h.pixdim[4]);
  }
}


TEST(NiftiHeader, TrailingUnitDimensionsAccepted)
{
  // dim[0] = 5 with dim[5] = 1 is still a 4D volume
  NiftiTestFile f(1, { 3, 2, 2, 2, 1 }, DT_UINT8);
  const NiftiHeader h = ParseFile(f.Build());
  EXPECT_EQ(5, h.dim[0]);
  EXPECT_EQ(24, h.GetVoxelCount());
}


TEST(NiftiHeader, EverySupportedDatatype)
{
  const struct
  {
    int datatype;
    int bytes;
  } types[] =
  {
    { DT_UINT8, 1 }, { DT_INT8, 1 }, { DT_INT16, 2 }, { DT_UINT16, 2 }, { DT_INT32, 4 },
    { DT_UINT32, 4 }, { DT_INT64, 8 }, { DT_UINT64, 8 }, { DT_FLOAT32, 4 }, { DT_FLOAT64, 8 }
  };

  for (const auto& type : types)
  {
    for (int version = 1; version <= 2; version++)
    {
      for (int swapped = 0; swapped <= 1; swapped++)
      {
        SCOPED_TRACE("datatype " + std::to_string(type.datatype) + ", NIfTI-" + std::to_string(version) +
                     (swapped ? ", swapped" : ""));
        NiftiTestFile f(version, { 3, 2, 2 }, type.datatype);
        f.byteSwapped = (swapped != 0);
        const NiftiHeader h = ParseFile(f.Build());
        EXPECT_EQ(type.datatype, h.datatype);
        EXPECT_EQ(type.bytes, h.bytesPerVoxel);
        EXPECT_EQ(static_cast<uint64_t>(12 * type.bytes), h.GetVoxelBytes());
        EXPECT_EQ(swapped != 0, h.byteSwapped);
        EXPECT_NE(nullptr, h.GetDatatypeName());
      }
    }
  }
}


TEST(NiftiHeader, ScalingOnlyWhenSlopeFiniteAndNonZero)
{
  NiftiTestFile f(1, { 2, 2, 2 }, DT_INT16);
  f.sclSlope = 0;
  f.sclInter = 5;
  EXPECT_FALSE(ParseFile(f.Build()).HasScaling());

  f.sclSlope = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(ParseFile(f.Build()).HasScaling());

  f.sclSlope = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(ParseFile(f.Build()).HasScaling());

  f.sclSlope = 2;
  f.sclInter = 0;
  EXPECT_TRUE(ParseFile(f.Build()).HasScaling());

  f.sclSlope = 1;
  f.sclInter = -1024;
  EXPECT_TRUE(ParseFile(f.Build()).HasScaling());
}


TEST(NiftiHeader, SpatialUnits)
{
  NiftiTestFile f(1, { 2, 2, 2 }, DT_INT16);
  f.xyztUnits = 1 | 8;   // metre, second
  EXPECT_DOUBLE_EQ(1000.0, ParseFile(f.Build()).GetSpatialUnitScale());
  f.xyztUnits = 3 | 16;  // micron, millisecond
  EXPECT_DOUBLE_EQ(0.001, ParseFile(f.Build()).GetSpatialUnitScale());
  f.xyztUnits = 0;       // unknown
  EXPECT_DOUBLE_EQ(1.0, ParseFile(f.Build()).GetSpatialUnitScale());
}


TEST(NiftiHeader, RefusesTooShort)
{
  const std::string file = NiftiTestFile(1, { 2, 2, 2 }, DT_UINT8).Build();
  EXPECT_CONVERSION_ERROR(NiftiHeader::Parse(file.data(), 100), InvalidInput, "short");
  EXPECT_CONVERSION_ERROR(NiftiHeader::Parse(file.data(), 0), InvalidInput, "short");
  EXPECT_CONVERSION_ERROR(NiftiHeader::Parse(file.data(), 347), InvalidInput, "short");

  // A NIfTI-2 header cut after 400 bytes
  const std::string file2 = NiftiTestFile(2, { 2, 2, 2 }, DT_UINT8).Build();
  EXPECT_CONVERSION_ERROR(NiftiHeader::Parse(file2.data(), 400), InvalidInput, "short");
}


TEST(NiftiHeader, RefusesNonNifti)
{
  std::string text(1000, 'x');
  memcpy(&text[0], "<!DOCTYPE html>", 15);
  EXPECT_CONVERSION_ERROR(ParseFile(text), InvalidInput, "not a NIfTI");

  // A DICOM file: 128-byte preamble, then "DICM"
  std::string dicom(600, '\0');
  memcpy(&dicom[128], "DICM", 4);
  EXPECT_CONVERSION_ERROR(ParseFile(dicom), InvalidInput, "NIfTI");
}


TEST(NiftiHeader, RefusesAnalyze)
{
  for (int swapped = 0; swapped <= 1; swapped++)
  {
    NiftiTestFile f(1, { 4, 4, 4 }, DT_INT16);
    f.byteSwapped = (swapped != 0);
    f.customMagic = true;
    f.magic = std::string(4, '\0');
    EXPECT_CONVERSION_ERROR(ParseFile(f.Build()), Unsupported, "ANALYZE");
  }
}


TEST(NiftiHeader, RefusesHeaderImagePair)
{
  NiftiTestFile f1(1, { 4, 4, 4 }, DT_INT16);
  f1.customMagic = true;
  f1.magic = std::string("ni1\0", 4);
  EXPECT_CONVERSION_ERROR(ParseFile(f1.Build()), Unsupported, ".hdr");

  NiftiTestFile f2(2, { 4, 4, 4 }, DT_INT16);
  f2.customMagic = true;
  f2.magic = std::string("ni2\0\r\n\032\n", 8);
  EXPECT_CONVERSION_ERROR(ParseFile(f2.Build()), Unsupported, ".hdr");
}


TEST(NiftiHeader, RefusesNifti2WithoutMagic)
{
  NiftiTestFile f(2, { 4, 4, 4 }, DT_INT16);
  f.customMagic = true;
  f.magic = std::string(8, '\0');
  EXPECT_CONVERSION_ERROR(ParseFile(f.Build()), InvalidInput, "magic");
}


TEST(NiftiHeader, RefusesBadDim0)
{
  for (int version = 1; version <= 2; version++)
  {
    for (int swapped = 0; swapped <= 1; swapped++)
    {
      for (int64_t dim0 : { 0, 8, -3, 100 })
      {
        SCOPED_TRACE("NIfTI-" + std::to_string(version) + " dim[0] = " + std::to_string(dim0) +
                     (swapped ? " swapped" : ""));
        NiftiTestFile f(version, { 4, 4, 4 }, DT_INT16);
        f.byteSwapped = (swapped != 0);
        f.dim0 = dim0;
        EXPECT_CONVERSION_ERROR(ParseFile(f.Build()), InvalidInput, "dim[0]");
      }
    }
  }
}


TEST(NiftiHeader, RefusesZeroOrNegativeDims)
{
  for (int version = 1; version <= 2; version++)
  {
    SCOPED_TRACE(version);
    NiftiTestFile zero(version, { 4, 0, 3 }, DT_INT16);
    EXPECT_CONVERSION_ERROR(ParseFile(zero.Build()), InvalidInput, "dim[2]");

    NiftiTestFile negative(version, { 4, 4, -3 }, DT_INT16);
    EXPECT_CONVERSION_ERROR(ParseFile(negative.Build()), InvalidInput, "dim[3]");

    NiftiTestFile negativeTime(version, { 4, 4, 3, -1 }, DT_INT16);
    EXPECT_CONVERSION_ERROR(ParseFile(negativeTime.Build()), InvalidInput, "dim[4]");
  }
}


TEST(NiftiHeader, RefusesOverflowingDims)
{
  const int64_t big = int64_t(1) << 40;

  // 2^120 voxels: the product overflows 64 bits
  NiftiTestFile f1(2, { big, big, big }, DT_UINT8);
  EXPECT_CONVERSION_ERROR(ParseFile(f1.Build()), InvalidInput, "overflow");

  // 2^63 voxels: fits uint64, but not int64
  NiftiTestFile f2(2, { int64_t(1) << 21, int64_t(1) << 21, int64_t(1) << 21 }, DT_UINT8);
  EXPECT_CONVERSION_ERROR(ParseFile(f2.Build()), InvalidInput, "overflow");

  // 2^61 voxels of 8 bytes: the byte count overflows
  NiftiTestFile f3(2, { int64_t(1) << 31, int64_t(1) << 30, 1 }, DT_FLOAT64);
  EXPECT_CONVERSION_ERROR(ParseFile(f3.Build()), InvalidInput, "overflow");

  // The time axis takes part in the product too
  NiftiTestFile f4(2, { big, big, 1, big }, DT_INT16);
  EXPECT_CONVERSION_ERROR(ParseFile(f4.Build()), InvalidInput, "overflow");

  // Large but representable: only the real size of the file refuses it
  NiftiTestFile f5(2, { int64_t(1) << 20, int64_t(1) << 20, 16 }, DT_INT16);
  EXPECT_CONVERSION_ERROR(ParseFile(f5.Build()), InvalidInput, "truncated");

  // NIfTI-1 maximum: 32767^4 voxels of 8 bytes
  NiftiTestFile f6(1, { 32767, 32767, 32767, 32767 }, DT_FLOAT64);
  EXPECT_CONVERSION_ERROR(ParseFile(f6.Build()), InvalidInput, "truncated");
}


TEST(NiftiHeader, RefusesSlicesBeyondDicomSize)
{
  // NIfTI-2 sizes are 64-bit; DICOM's Rows and Columns are 16-bit
  for (int64_t size : { int64_t(65536), int64_t(70000) })
  {
    for (int axis = 1; axis <= 2; axis++)
    {
      SCOPED_TRACE(std::to_string(size) + " along axis " + std::to_string(axis));
      NiftiTestFile f(2, { axis == 1 ? size : 1, axis == 2 ? size : 1, 1 }, DT_UINT8);
      f.SetZeroVoxels();
      const std::string file = f.Build();
      EXPECT_CONVERSION_ERROR(ParseFile(file), Unsupported, "DICOM allows at most 65535 columns and rows");
      EXPECT_CONVERSION_ERROR(NiftiHeader::ParseHeaderOnly(file.data(), 540), Unsupported,
                              "dim[" + std::to_string(axis) + "]");
    }
  }

  NiftiTestFile largest(2, { 65535, 1, 2 }, DT_UINT8);
  largest.SetZeroVoxels();
  EXPECT_EQ(65535, ParseFile(largest.Build()).GetSize(1));

  // Long along the third axis is only many slices
  NiftiTestFile deep(2, { 1, 1, 70000 }, DT_UINT8);
  deep.SetZeroVoxels();
  EXPECT_EQ(70000, ParseFile(deep.Build()).GetSize(3));
}


TEST(NiftiHeader, RefusesInconsistentBitpix)
{
  for (int version = 1; version <= 2; version++)
  {
    NiftiTestFile f(version, { 4, 4, 4 }, DT_INT16);
    f.bitpix = 8;
    EXPECT_CONVERSION_ERROR(ParseFile(f.Build()), InvalidInput, "bitpix");

    NiftiTestFile g(version, { 4, 4, 4 }, DT_FLOAT32);
    g.bitpix = 64;
    EXPECT_CONVERSION_ERROR(ParseFile(g.Build()), InvalidInput, "bitpix");
  }
}


TEST(NiftiHeader, RefusesUnsupportedDatatypes)
{
  const struct
  {
    int datatype;
    const char* word;
  } types[] =
  {
    { DT_COMPLEX64, "complex" },
    { DT_COMPLEX128, "complex" },
    { DT_COMPLEX256, "complex" },
    { DT_FLOAT128, "float128" },
    { DT_RGBA32, "RGBA" },
    { 3, "3" },       // no such type
    { 4096, "4096" }
  };

  for (const auto& type : types)
  {
    for (int version = 1; version <= 2; version++)
    {
      SCOPED_TRACE("datatype " + std::to_string(type.datatype) + ", NIfTI-" + std::to_string(version));
      NiftiTestFile f(version, { 2, 2, 2 }, type.datatype);
      EXPECT_CONVERSION_ERROR(ParseFile(f.Build()), Unsupported, type.word);
    }
  }
}


TEST(NiftiHeader, AcceptsRgb24)
{
  // Colour volumes (e.g. colour FA maps) become Enhanced MR Color images
  for (int version = 1; version <= 2; version++)
  {
    SCOPED_TRACE(version);
    NiftiTestFile f(version, { 4, 3, 2 }, DT_RGB24);
    const NiftiHeader header = ParseFile(f.Build());
    EXPECT_EQ(DT_RGB24, header.datatype);
    EXPECT_EQ(3, header.bytesPerVoxel);
    EXPECT_EQ(4u * 3u * 2u * 3u, header.GetVoxelBytes());
  }
}


TEST(NiftiHeader, RefusesCifti)
{
  for (int version = 1; version <= 2; version++)
  {
    for (int intent : { 3000, 3001, 3006 })
    {
      SCOPED_TRACE(intent);
      NiftiTestFile f(version, { 1, 1, 1, 1, 4, 3 }, DT_FLOAT32);
      f.intentCode = intent;
      EXPECT_CONVERSION_ERROR(ParseFile(f.Build()), Unsupported, "CIFTI");
    }
  }

  // Intents that are volumes are accepted
  for (int intent : { 0, 3, 5, 1002, 2003 })
  {
    NiftiTestFile f(1, { 2, 2, 2 }, DT_FLOAT32);
    f.intentCode = intent;
    EXPECT_EQ(intent, ParseFile(f.Build()).intentCode);
  }
}


TEST(NiftiHeader, RefusesFifthDimension)
{
  for (int version = 1; version <= 2; version++)
  {
    NiftiTestFile f(version, { 3, 3, 2, 1, 3 }, DT_FLOAT32);   // a vector field
    EXPECT_CONVERSION_ERROR(ParseFile(f.Build()), Unsupported, "dimension 5");

    NiftiTestFile g(version, { 3, 3, 2, 1, 1, 1, 2 }, DT_UINT8);
    EXPECT_CONVERSION_ERROR(ParseFile(g.Build()), Unsupported, "dimension 7");
  }
}


TEST(NiftiHeader, RefusesTruncatedData)
{
  for (int version = 1; version <= 2; version++)
  {
    for (int swapped = 0; swapped <= 1; swapped++)
    {
      NiftiTestFile f(version, { 5, 4, 3, 2 }, DT_INT16);
      f.byteSwapped = (swapped != 0);
      const std::string file = f.Build();
      EXPECT_NO_THROW(ParseFile(file));
      EXPECT_CONVERSION_ERROR(NiftiHeader::Parse(file.data(), file.size() - 1), InvalidInput, "truncated");
      EXPECT_CONVERSION_ERROR(NiftiHeader::Parse(file.data(), f.GetDataOffset()), InvalidInput, "truncated");
    }
  }
}


TEST(NiftiHeader, RefusesInvalidVoxOffset)
{
  for (double offset : { -4.0, 352.5, std::numeric_limits<double>::quiet_NaN(),
                         std::numeric_limits<double>::infinity(), 1e12 })
  {
    SCOPED_TRACE(offset);
    NiftiTestFile f(1, { 2, 2, 2 }, DT_INT16);
    f.voxOffset = offset;
    EXPECT_CONVERSION_ERROR(ParseFile(f.Build()), InvalidInput, "vox_offset");
  }

  NiftiTestFile f2(2, { 2, 2, 2 }, DT_INT16);
  f2.voxOffset = -544;
  EXPECT_CONVERSION_ERROR(ParseFile(f2.Build()), InvalidInput, "vox_offset");

  // An offset far beyond the end of the file: nothing to read there
  for (int version = 1; version <= 2; version++)
  {
    NiftiTestFile f(version, { 2, 2, 2 }, DT_INT16);
    const std::string file = f.Build();
    f.voxOffset = 1024 * 1024;
    std::string shifted = f.Build();
    shifted.resize(file.size());
    EXPECT_CONVERSION_ERROR(ParseFile(shifted), InvalidInput, "truncated");
  }

  // The largest NIfTI-2 offset must not overflow the size arithmetic
  NiftiTestFile f3(2, { 2, 2, 2 }, DT_INT16);
  f3.voxOffset = 9.2e18;
  EXPECT_CONVERSION_ERROR(ParseFile(f3.Build()), InvalidInput, "truncated");
}


TEST(NiftiHeader, LargerVoxOffset)
{
  for (int version = 1; version <= 2; version++)
  {
    NiftiTestFile f(version, { 2, 2, 2 }, DT_INT16);
    f.extension = MakeExtension(6, 24, 'e');
    f.voxOffset = 1024;
    const std::string file = f.Build();
    ASSERT_EQ(1024u + 16u, file.size());
    EXPECT_EQ(1024, ParseFile(file).voxOffset);
  }
}


TEST(NiftiHeader, SmallVoxOffsetMeansAfterHeader)
{
  // Writers that leave vox_offset at 0 put the voxels right after the header and its extender
  for (int version = 1; version <= 2; version++)
  {
    NiftiTestFile f(version, { 2, 2, 2 }, DT_INT16);
    f.voxOffset = 0;
    const NiftiHeader h = ParseFile(f.Build());
    EXPECT_EQ(static_cast<int64_t>(f.GetHeaderSize() + 4), h.voxOffset);
  }
}


TEST(NiftiHeader, RefusesVoxOffsetInsideHeader)
{
  for (int version = 1; version <= 2; version++)
  {
    for (double offset : { 1.0, 100.0, 348.0, 351.0, 540.0, 543.0 })
    {
      NiftiTestFile f(version, { 2, 2, 2 }, DT_INT16);
      if (offset >= f.GetHeaderSize() + 4)
      {
        continue;
      }
      SCOPED_TRACE("NIfTI-" + std::to_string(version) + " vox_offset " + std::to_string(offset));
      f.voxOffset = offset;
      EXPECT_CONVERSION_ERROR(ParseFile(f.Build()), InvalidInput,
                              "starts at byte " + std::to_string(f.GetHeaderSize() + 4) + " or later");
    }

    // Just after the extender is where the voxels of a file without extensions are
    NiftiTestFile f(version, { 2, 2, 2 }, DT_INT16);
    f.voxOffset = static_cast<double>(f.GetHeaderSize() + 4);
    EXPECT_EQ(static_cast<int64_t>(f.GetHeaderSize() + 4), ParseFile(f.Build()).voxOffset);
  }
}


TEST(NiftiHeader, Extensions)
{
  for (int version = 1; version <= 2; version++)
  {
    for (int swapped = 0; swapped <= 1; swapped++)
    {
      SCOPED_TRACE("NIfTI-" + std::to_string(version) + (swapped ? " swapped" : ""));
      NiftiTestFile f(version, { 2, 2, 2 }, DT_INT16);
      f.byteSwapped = (swapped == 1);
      const size_t start = f.GetHeaderSize() + 4;

      // Two extensions, exactly up to the voxels, then followed by zero padding
      f.extension = MakeExtension(6, 20, 'a', f.byteSwapped) + MakeExtension(4, 100, 'b', f.byteSwapped);
      EXPECT_EQ(static_cast<int64_t>(start + 32 + 112), ParseFile(f.Build()).voxOffset);
      f.voxOffset = static_cast<double>(start + 32 + 112 + 64);
      EXPECT_EQ(static_cast<int64_t>(start + 32 + 112 + 64), ParseFile(f.Build()).voxOffset);

      // Sizes that are not positive multiples of 16
      for (int32_t size : { 8, 20, -16, 0x65656565 })
      {
        SCOPED_TRACE(size);
        std::string bad = MakeExtension(6, 40, 'c', f.byteSwapped);
        int32_t stored = f.byteSwapped ? static_cast<int32_t>(__builtin_bswap32(static_cast<uint32_t>(size))) : size;
        memcpy(&bad[0], &stored, 4);
        f.extension = MakeExtension(6, 8, 'a', f.byteSwapped) + bad;
        f.voxOffset = -1;
        EXPECT_CONVERSION_ERROR(ParseFile(f.Build()), InvalidInput,
                                "extension at byte " + std::to_string(start + 16) + " announces a size of " +
                                std::to_string(size) + " bytes, which is not a positive multiple of 16");
      }

      // A size running past vox_offset (into the voxels)
      f.extension = MakeExtension(6, 40, 'c', f.byteSwapped);
      f.voxOffset = static_cast<double>(start + 32);
      const std::string file = f.Build();
      EXPECT_CONVERSION_ERROR(ParseFile(file), InvalidInput, "runs past the start of the voxel data");
      EXPECT_CONVERSION_ERROR(NiftiHeader::ParseHeaderOnly(file.data(), start + 8), InvalidInput,
                              "runs past the start of the voxel data");

      // A header read alone: what lies beyond the bytes read is not judged
      EXPECT_NO_THROW(NiftiHeader::ParseHeaderOnly(file.data(), start + 4));
    }
  }
}


TEST(NiftiHeader, QformIdentityQuaternion)
{
  for (int version = 1; version <= 2; version++)
  {
    for (int swapped = 0; swapped <= 1; swapped++)
    {
      for (double qfac : { 1.0, -1.0, 0.0 })
      {
        SCOPED_TRACE("NIfTI-" + std::to_string(version) + " qfac " + std::to_string(qfac) +
                     (swapped ? " swapped" : ""));
        NiftiTestFile f(version, { 4, 4, 4 }, DT_INT16);
        f.byteSwapped = (swapped != 0);
        f.SetQform(1, 0, 0, 0, 10, -20, 30, 2, 3, 4, qfac);
        const NiftiHeader h = ParseFile(f.Build());
        EXPECT_EQ(1, h.qformCode);

        // qfac -1 flips the third axis; 0 is read as +1
        const double dz = (qfac < 0 ? -4 : 4);
        const double expected[3][4] = { { 2, 0, 0, 10 }, { 0, 3, 0, -20 }, { 0, 0, dz, 30 } };
        ExpectAffine(h.qform, expected, 1e-6);
      }
    }
  }
}


TEST(NiftiHeader, QformRotations)
{
  for (int version = 1; version <= 2; version++)
  {
    for (double qfac : { 1.0, -1.0 })
    {
      SCOPED_TRACE("NIfTI-" + std::to_string(version) + " qfac " + std::to_string(qfac));

      // 90 degrees about z: a = d = sqrt(1/2), R = [[0 -1 0] [1 0 0] [0 0 1]]
      NiftiTestFile f(version, { 4, 4, 4 }, DT_INT16);
      f.SetQform(2, 0, 0, std::sqrt(0.5), -5, 6, 7, 2, 3, 4, qfac);
      const double zRotation[3][4] = { { 0, -3, 0, -5 }, { 2, 0, 0, 6 }, { 0, 0, 4 * qfac, 7 } };
      ExpectAffine(ParseFile(f.Build()).qform, zRotation, 1e-6);

      // 180 degrees about x: b = 1, R = diag(1, -1, -1)
      NiftiTestFile g(version, { 4, 4, 4 }, DT_INT16);
      g.SetQform(1, 1, 0, 0, 1, 2, 3, 2, 3, 4, qfac);
      const double xRotation[3][4] = { { 2, 0, 0, 1 }, { 0, -3, 0, 2 }, { 0, 0, -4 * qfac, 3 } };
      ExpectAffine(ParseFile(g.Build()).qform, xRotation, 1e-6);
    }
  }
}


TEST(NiftiHeader, SformAndQformBothRead)
{
  for (int version = 1; version <= 2; version++)
  {
    NiftiTestFile f(version, { 4, 4, 4 }, DT_INT16);
    f.SetQform(1, 0, 0, 0, 1, 2, 3, 1, 1, 1, 1);
    const double rows[3][4] = { { 0, 0, 1.5, -10 }, { -2, 0, 0, 20 }, { 0, 2.5, 0, 5 } };
    f.SetSform(2, rows);
    const NiftiHeader h = ParseFile(f.Build());
    EXPECT_EQ(1, h.qformCode);
    EXPECT_EQ(2, h.sformCode);
    ExpectAffine(h.sform, rows, 1e-6);
    const double q[3][4] = { { 1, 0, 0, 1 }, { 0, 1, 0, 2 }, { 0, 0, 1, 3 } };
    ExpectAffine(h.qform, q, 1e-6);
  }
}


TEST(NiftiHeader, LongDescriptionWithoutTerminator)
{
  NiftiTestFile f(1, { 2, 2, 2 }, DT_UINT8);
  f.descrip = std::string(80, 'd');
  f.intentCode = 0;
  const NiftiHeader h = ParseFile(f.Build());
  EXPECT_EQ(std::string(80, 'd'), h.descrip);
}
