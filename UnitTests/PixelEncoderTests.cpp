#include "Plan/PixelEncoder.h"
#include "Dicom/DicomValues.h"
#include "NiftiTestFile.h"
#include "TestHelpers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>

using namespace NiftiToDicom;
using namespace NiftiTest;

namespace
{
  struct Shape
  {
    int64_t nx, ny, nz, nt;

    int64_t Count() const
    {
      return nx * ny * nz * nt;
    }

    // Index of NIfTI voxel (i, j, k, t), i fastest
    size_t Index(int64_t i, int64_t j, int64_t k, int64_t t) const
    {
      return static_cast<size_t>(i + nx * (j + ny * (k + nz * t)));
    }
  };

  const Shape SMALL = { 5, 4, 3, 2 };

  template <typename T>
  NiftiVolume MakeVolume(int version, int datatype, const Shape& shape, const std::vector<T>& values,
                         bool swapped = false, double slope = 0, double inter = 0)
  {
    NiftiTestFile f(version, { shape.nx, shape.ny, shape.nz, shape.nt }, datatype);
    f.byteSwapped = swapped;
    f.sclSlope = slope;
    f.sclInter = inter;
    f.SetVoxels(values);
    return NiftiVolume(f.Build(), 1 << 30);
  }

  // Integers spread over [lo, hi], both ends included, in an order that
  // differs along every axis (so that flips and transpositions show)
  template <typename T>
  std::vector<T> MakeIntegers(const Shape& shape, int64_t lo, int64_t hi)
  {
    std::vector<T> values(static_cast<size_t>(shape.Count()));
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    for (size_t i = 0; i < values.size(); i++)
    {
      values[i] = static_cast<T>(lo + static_cast<int64_t>((i * 7919u + i * i * 31u) % span));
    }
    values[0] = static_cast<T>(lo);
    values[values.size() - 1] = static_cast<T>(hi);
    return values;
  }

  template <typename T>
  std::vector<T> MakeReals(const Shape& shape, double lo, double hi, unsigned int seed)
  {
    std::mt19937 generator(seed);
    std::uniform_real_distribution<double> distribution(lo, hi);
    std::vector<T> values(static_cast<size_t>(shape.Count()));
    for (T& v : values)
    {
      v = static_cast<T>(distribution(generator));
    }
    values[1] = static_cast<T>(lo);
    values[values.size() - 2] = static_cast<T>(hi);
    return values;
  }

  // The value a DICOM reader gets for a DS attribute written from "value"
  double AsRead(double value)
  {
    return strtod(DicomValues::FormatDecimal(value).c_str(), nullptr);
  }

  // Pixels of the encoded slice, read back as a DICOM reader does: 16-bit
  // little endian, signed according to PixelRepresentation
  std::vector<int32_t> DecodePixels(const PixelEncoder& encoder, const Shape& shape, int64_t k, int64_t t)
  {
    std::string slice;
    encoder.EncodeSlice(slice, k, t);
    EXPECT_EQ(static_cast<size_t>(shape.nx * shape.ny * 2), slice.size());

    std::vector<int32_t> pixels(slice.size() / 2);
    for (size_t i = 0; i < pixels.size(); i++)
    {
      const uint16_t bits = static_cast<uint16_t>(static_cast<uint8_t>(slice[2 * i]) |
                                                  (static_cast<uint8_t>(slice[2 * i + 1]) << 8));
      pixels[i] = encoder.IsSigned() ? static_cast<int32_t>(static_cast<int16_t>(bits)) : bits;
    }
    return pixels;
  }

  // Every pixel (c, r) of every slice must give the real value of voxel
  // (c, ny-1-r, k, t) within "tolerance" (plus float noise); non-finite voxels
  // must give "nonFiniteValue" within the same tolerance
  template <typename T>
  void ExpectEncoded(const PixelEncoder& encoder, const Shape& shape, const std::vector<T>& values,
                     double slope, double inter, double tolerance, double nonFiniteValue = 0)
  {
    const bool scaled = std::isfinite(slope) && slope != 0;
    const double rescaleSlope = AsRead(encoder.GetRescaleSlope());
    const double rescaleIntercept = AsRead(encoder.GetRescaleIntercept());
    int failures = 0;

    for (int64_t t = 0; t < shape.nt; t++)
    {
      for (int64_t k = 0; k < shape.nz; k++)
      {
        const std::vector<int32_t> pixels = DecodePixels(encoder, shape, k, t);
        for (int64_t r = 0; r < shape.ny && failures < 5; r++)
        {
          for (int64_t c = 0; c < shape.nx && failures < 5; c++)
          {
            const double stored = static_cast<double>(values[shape.Index(c, shape.ny - 1 - r, k, t)]);
            double expected = scaled ? slope * stored + inter : stored;
            if (!std::isfinite(expected))
            {
              expected = nonFiniteValue;
            }
            const double scaled = rescaleSlope * pixels[static_cast<size_t>(r * shape.nx + c)];
            const double decoded = scaled + rescaleIntercept;
            // Floating-point noise of the decoding itself: a few ulps of the terms
            const double noise = 2 * std::numeric_limits<double>::epsilon() *
              (std::fabs(scaled) + std::fabs(rescaleIntercept) + std::fabs(expected));
            const double allowed = tolerance * (1 + 1e-9) + noise;
            if (!(std::fabs(decoded - expected) <= allowed))
            {
              failures++;
              ADD_FAILURE() << "pixel (c=" << c << ", r=" << r << ", k=" << k << ", t=" << t << "): expected "
                            << expected << ", decoded " << decoded << " (tolerance " << allowed << ")";
            }
          }
        }
      }
    }
  }

  template <typename T>
  void ExpectLosslessIntegers(int datatype, int64_t lo, int64_t hi)
  {
    const std::vector<T> values = MakeIntegers<T>(SMALL, lo, hi);
    for (int version = 1; version <= 2; version++)
    {
      for (int swapped = 0; swapped <= 1; swapped++)
      {
        SCOPED_TRACE("datatype " + std::to_string(datatype) + " [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "], NIfTI-" + std::to_string(version) + (swapped ? " swapped" : ""));
        const NiftiVolume volume = MakeVolume(version, datatype, SMALL, values, swapped != 0);
        const PixelEncoder encoder(volume);
        EXPECT_TRUE(encoder.IsLossless());
        EXPECT_EQ(0, encoder.GetMaxError());
        EXPECT_EQ(1, encoder.GetRescaleSlope());
        EXPECT_EQ(0, encoder.GetRescaleIntercept());
        EXPECT_EQ(0, encoder.GetNonFiniteCount());
        ExpectEncoded(encoder, SMALL, values, 0, 0, 0);

        // The range of the values (both ends are in the volume), whether
        // scanned byte-swapped or not, gives the window
        EXPECT_EQ(static_cast<double>(lo) / 2 + static_cast<double>(hi) / 2, encoder.GetWindowCenter());
        EXPECT_EQ(std::max(static_cast<double>(hi - lo), 1.0), encoder.GetWindowWidth());
        EXPECT_EQ(lo < 0 || (datatype == DT_INT8 || datatype == DT_INT16), encoder.IsSigned());
      }
    }
  }

  bool HasWarningContaining(const PixelEncoder& e, const std::string& word)
  {
    for (const std::string& w : e.GetWarnings())
    {
      if (ToLower(w).find(ToLower(word)) != std::string::npos)
      {
        return true;
      }
    }
    return false;
  }
}


TEST(PixelEncoder, IntegerTypesStoredExactly)
{
  ExpectLosslessIntegers<uint8_t>(DT_UINT8, 0, 255);
  ExpectLosslessIntegers<int8_t>(DT_INT8, -128, 127);
  ExpectLosslessIntegers<int16_t>(DT_INT16, -32768, 32767);
  ExpectLosslessIntegers<uint16_t>(DT_UINT16, 0, 65535);
  ExpectLosslessIntegers<int32_t>(DT_INT32, -32768, 32767);
  ExpectLosslessIntegers<int32_t>(DT_INT32, 0, 65535);
  ExpectLosslessIntegers<uint32_t>(DT_UINT32, 0, 65535);
  ExpectLosslessIntegers<int64_t>(DT_INT64, -32768, 32767);
  ExpectLosslessIntegers<int64_t>(DT_INT64, 1, 60000);
  ExpectLosslessIntegers<uint64_t>(DT_UINT64, 0, 65535);
}


TEST(PixelEncoder, RowsAreFlipped)
{
  // j = 0 holds 1 2 3, j = 1 holds 4 5 6: DICOM row 0 is NIfTI row j = 1
  const Shape shape = { 3, 2, 1, 1 };
  const std::vector<uint8_t> values = { 1, 2, 3, 4, 5, 6 };
  const NiftiVolume volume = MakeVolume(1, DT_UINT8, shape, values);
  const PixelEncoder encoder(volume);
  const std::vector<int32_t> pixels = DecodePixels(encoder, shape, 0, 0);
  const std::vector<int32_t> expected = { 4, 5, 6, 1, 2, 3 };
  EXPECT_EQ(expected, pixels);
}


TEST(PixelEncoder, SlicesAndTimePointsAddressed)
{
  // Voxel value = 1000 t + 100 k + 10 j + i
  const Shape shape = { 3, 2, 4, 3 };
  std::vector<int16_t> values(static_cast<size_t>(shape.Count()));
  for (int64_t t = 0; t < shape.nt; t++)
  {
    for (int64_t k = 0; k < shape.nz; k++)
    {
      for (int64_t j = 0; j < shape.ny; j++)
      {
        for (int64_t i = 0; i < shape.nx; i++)
        {
          values[shape.Index(i, j, k, t)] = static_cast<int16_t>(1000 * t + 100 * k + 10 * j + i);
        }
      }
    }
  }

  const NiftiVolume volume = MakeVolume(2, DT_INT16, shape, values, true);
  const PixelEncoder encoder(volume);
  const std::vector<int32_t> pixels = DecodePixels(encoder, shape, 3, 2);
  const std::vector<int32_t> expected = { 2310, 2311, 2312, 2300, 2301, 2302 };
  EXPECT_EQ(expected, pixels);
}


TEST(PixelEncoder, ByteSwappedInputGivesSamePixels)
{
  const std::vector<float> reals = MakeReals<float>(SMALL, -12.5, 800.25, 1);
  const std::vector<int32_t> ints = MakeIntegers<int32_t>(SMALL, -200000, 300000);

  for (int version = 1; version <= 2; version++)
  {
    const NiftiVolume nativeFloat = MakeVolume(version, DT_FLOAT32, SMALL, reals, false);
    const NiftiVolume swappedFloat = MakeVolume(version, DT_FLOAT32, SMALL, reals, true);
    const NiftiVolume nativeInt = MakeVolume(version, DT_INT32, SMALL, ints, false);
    const NiftiVolume swappedInt = MakeVolume(version, DT_INT32, SMALL, ints, true);
    ASSERT_TRUE(swappedFloat.GetHeader().byteSwapped);

    const PixelEncoder a(nativeFloat), b(swappedFloat), c(nativeInt), d(swappedInt);
    EXPECT_EQ(a.GetRescaleSlope(), b.GetRescaleSlope());
    EXPECT_EQ(a.GetRescaleIntercept(), b.GetRescaleIntercept());
    EXPECT_EQ(c.GetRescaleSlope(), d.GetRescaleSlope());
    ExpectEncoded(b, SMALL, reals, 0, 0, b.GetMaxError());
    ExpectEncoded(d, SMALL, ints, 0, 0, d.GetMaxError());

    for (int64_t k = 0; k < SMALL.nz; k++)
    {
      std::string s1, s2, s3, s4;
      a.EncodeSlice(s1, k, 1);
      b.EncodeSlice(s2, k, 1);
      c.EncodeSlice(s3, k, 1);
      d.EncodeSlice(s4, k, 1);
      EXPECT_EQ(s1, s2);
      EXPECT_EQ(s3, s4);
    }
  }
}


TEST(PixelEncoder, IntegerScalingBecomesRescale)
{
  const std::vector<int16_t> values = MakeIntegers<int16_t>(SMALL, -32768, 32767);
  for (int swapped = 0; swapped <= 1; swapped++)
  {
    const NiftiVolume volume = MakeVolume(1, DT_INT16, SMALL, values, swapped != 0, 0.25, -100);
    const PixelEncoder encoder(volume);
    EXPECT_EQ(PixelEncoder::Mode::StoredIntegers, encoder.GetMode());
    EXPECT_TRUE(encoder.IsLossless());
    EXPECT_TRUE(encoder.IsSigned());
    EXPECT_EQ(0.25, encoder.GetRescaleSlope());
    EXPECT_EQ(-100, encoder.GetRescaleIntercept());

    // The stored integers themselves are the pixels
    const std::vector<int32_t> pixels = DecodePixels(encoder, SMALL, 2, 1);
    EXPECT_EQ(values[SMALL.Index(0, SMALL.ny - 1, 2, 1)], pixels[0]);
    EXPECT_EQ(values[SMALL.Index(3, 0, 2, 1)], pixels[static_cast<size_t>((SMALL.ny - 1) * SMALL.nx + 3)]);

    ExpectEncoded(encoder, SMALL, values, 0.25, -100, 0);
  }

  // A float32 slope without a short decimal form (0.1f) is carried to within DS precision
  const std::vector<uint8_t> bytes = MakeIntegers<uint8_t>(SMALL, 0, 255);
  const NiftiVolume volume = MakeVolume(1, DT_UINT8, SMALL, bytes, false, 0.1f, 3.3f);
  const PixelEncoder encoder(volume);
  EXPECT_TRUE(encoder.IsLossless());
  EXPECT_NEAR(static_cast<double>(0.1f), encoder.GetRescaleSlope(), 1e-13);
  ExpectEncoded(encoder, SMALL, bytes, static_cast<double>(0.1f), static_cast<double>(3.3f), 1e-9);
}


TEST(PixelEncoder, ScalingIgnoredWhenSlopeIsZero)
{
  const std::vector<uint8_t> values = MakeIntegers<uint8_t>(SMALL, 0, 255);
  const NiftiVolume volume = MakeVolume(1, DT_UINT8, SMALL, values, false, 0, 50);
  const PixelEncoder encoder(volume);
  EXPECT_EQ(1, encoder.GetRescaleSlope());
  EXPECT_EQ(0, encoder.GetRescaleIntercept());
  ExpectEncoded(encoder, SMALL, values, 0, 0, 0);
}


TEST(PixelEncoder, Int32ThatFits16BitsIsLossless)
{
  const std::vector<int32_t> values = MakeIntegers<int32_t>(SMALL, -1000, 30000);
  const NiftiVolume volume = MakeVolume(2, DT_INT32, SMALL, values, false, 0.5, 7);
  const PixelEncoder encoder(volume);
  EXPECT_TRUE(encoder.IsLossless());
  EXPECT_TRUE(encoder.IsSigned());
  EXPECT_EQ(0.5, encoder.GetRescaleSlope());
  EXPECT_EQ(7, encoder.GetRescaleIntercept());
  ExpectEncoded(encoder, SMALL, values, 0.5, 7, 0);

  // Non-negative and above 32767: unsigned pixels
  const std::vector<uint32_t> positive = MakeIntegers<uint32_t>(SMALL, 100, 65000);
  const NiftiVolume volume2 = MakeVolume(1, DT_UINT32, SMALL, positive);
  const PixelEncoder encoder2(volume2);
  EXPECT_TRUE(encoder2.IsLossless());
  EXPECT_FALSE(encoder2.IsSigned());
  ExpectEncoded(encoder2, SMALL, positive, 0, 0, 0);
}


TEST(PixelEncoder, WideIntegersQuantised)
{
  {
    const std::vector<int32_t> values = MakeIntegers<int32_t>(SMALL, -100000, 250000);
    const NiftiVolume volume = MakeVolume(1, DT_INT32, SMALL, values);
    const PixelEncoder encoder(volume);
    EXPECT_FALSE(encoder.IsLossless());
    EXPECT_EQ(PixelEncoder::Mode::RealValues, encoder.GetMode());
    EXPECT_DOUBLE_EQ(encoder.GetRescaleSlope() / 2, encoder.GetMaxError());
    EXPECT_LE(encoder.GetMaxError(), 350000.0 / 65000 / 2);   // uses (nearly) the whole 16-bit range
    EXPECT_FALSE(encoder.GetWarnings().empty());
    ExpectEncoded(encoder, SMALL, values, 0, 0, encoder.GetMaxError());
  }

  {
    const std::vector<int32_t> values = MakeIntegers<int32_t>(SMALL, -100000, 250000);
    const NiftiVolume volume = MakeVolume(2, DT_INT32, SMALL, values, true, 0.001, -3);
    const PixelEncoder encoder(volume);
    EXPECT_FALSE(encoder.IsLossless());
    EXPECT_LE(encoder.GetMaxError(), 350.0 / 65000 / 2);
    ExpectEncoded(encoder, SMALL, values, 0.001, -3, encoder.GetMaxError());
  }

  {
    const std::vector<uint32_t> values = MakeIntegers<uint32_t>(SMALL, 3000000000u, 4000000000u);
    const NiftiVolume volume = MakeVolume(1, DT_UINT32, SMALL, values);
    const PixelEncoder encoder(volume);
    EXPECT_LE(encoder.GetMaxError(), 1e9 / 65000 / 2);
    ExpectEncoded(encoder, SMALL, values, 0, 0, encoder.GetMaxError());
  }

  {
    const std::vector<int64_t> values = MakeIntegers<int64_t>(SMALL, -(int64_t(1) << 40), int64_t(1) << 40);
    const NiftiVolume volume = MakeVolume(2, DT_INT64, SMALL, values);
    const PixelEncoder encoder(volume);
    ExpectEncoded(encoder, SMALL, values, 0, 0, encoder.GetMaxError());
  }

  {
    std::vector<uint64_t> values = MakeIntegers<uint64_t>(SMALL, 0, 1000);
    values[7] = std::numeric_limits<uint64_t>::max();
    const NiftiVolume volume = MakeVolume(2, DT_UINT64, SMALL, values);
    const PixelEncoder encoder(volume);
    EXPECT_FALSE(encoder.IsLossless());
    ExpectEncoded(encoder, SMALL, values, 0, 0, encoder.GetMaxError());
  }
}


TEST(PixelEncoder, IntegralFloatsLossless)
{
  {
    std::vector<float> values = MakeReals<float>(SMALL, -500, 1200, 2);
    for (float& v : values)
    {
      v = std::round(v);
    }
    const NiftiVolume volume = MakeVolume(1, DT_FLOAT32, SMALL, values);
    const PixelEncoder encoder(volume);
    EXPECT_TRUE(encoder.IsLossless());
    EXPECT_EQ(1, encoder.GetRescaleSlope());
    EXPECT_EQ(0, encoder.GetRescaleIntercept());
    ExpectEncoded(encoder, SMALL, values, 0, 0, 0);
  }

  {
    // [0, 65535] only fits unsigned pixels
    std::vector<double> values = MakeReals<double>(SMALL, 0, 65535, 3);
    for (double& v : values)
    {
      v = std::round(v);
    }
    const NiftiVolume volume = MakeVolume(2, DT_FLOAT64, SMALL, values, true);
    const PixelEncoder encoder(volume);
    EXPECT_TRUE(encoder.IsLossless());
    EXPECT_EQ(1, encoder.GetRescaleSlope());
    ExpectEncoded(encoder, SMALL, values, 0, 0, 0);
  }

  {
    // Non-integral stored floats that scl_slope makes integral
    std::vector<float> values = MakeIntegers<float>(SMALL, -2000, 2000);
    for (float& v : values)
    {
      v /= 4;
    }
    const NiftiVolume volume = MakeVolume(1, DT_FLOAT32, SMALL, values, false, 4, 1);
    const PixelEncoder encoder(volume);
    EXPECT_TRUE(encoder.IsLossless());
    ExpectEncoded(encoder, SMALL, values, 4, 1, 0);
  }
}


TEST(PixelEncoder, IntegralFloatsBeyond16BitsQuantised)
{
  std::vector<float> values = MakeIntegers<float>(SMALL, 0, 100000);
  const NiftiVolume volume = MakeVolume(1, DT_FLOAT32, SMALL, values);
  const PixelEncoder encoder(volume);
  EXPECT_FALSE(encoder.IsLossless());
  ExpectEncoded(encoder, SMALL, values, 0, 0, encoder.GetMaxError());
}


TEST(PixelEncoder, NonIntegralFloatsWithinMaxError)
{
  const struct
  {
    double lo, hi;
  } ranges[] =
  {
    { -3.7, 1234.5 }, { 0, 1 }, { 1e6, 1e7 }, { 1e-6, 2e-6 }, { -0.5, -0.25 }, { -1e30, 1e30 }, { 1000.1, 1000.2 }
  };

  unsigned int seed = 10;
  for (const auto& range : ranges)
  {
    for (int version = 1; version <= 2; version++)
    {
      SCOPED_TRACE("[" + std::to_string(range.lo) + ", " + std::to_string(range.hi) + "] NIfTI-" +
                   std::to_string(version));
      const std::vector<float> f32 = MakeReals<float>(SMALL, range.lo, range.hi, seed++);
      const NiftiVolume v32 = MakeVolume(version, DT_FLOAT32, SMALL, f32, version == 2);
      const PixelEncoder e32(v32);
      EXPECT_FALSE(e32.IsLossless());
      EXPECT_GT(e32.GetMaxError(), 0);
      EXPECT_LE(e32.GetMaxError(), (range.hi - range.lo) / 65000 / 2 * 1.0001);
      ExpectEncoded(e32, SMALL, f32, 0, 0, e32.GetMaxError());

      const std::vector<double> f64 = MakeReals<double>(SMALL, range.lo, range.hi, seed++);
      const NiftiVolume v64 = MakeVolume(version, DT_FLOAT64, SMALL, f64, version == 1);
      const PixelEncoder e64(v64);
      EXPECT_LE(e64.GetMaxError(), (range.hi - range.lo) / 65000 / 2 * 1.0001);
      ExpectEncoded(e64, SMALL, f64, 0, 0, e64.GetMaxError());
    }
  }
}


TEST(PixelEncoder, LargeOffsetSmallRange)
{
  // The intercept needs more digits than a 16-character DS holds (about 1e8
  // with a step below 1e-6): the pixels must be computed with the intercept as
  // a reader gets it, or they are off by up to a step. Several offsets, so
  // that some intercepts lose much in the rounding.
  for (int m = 0; m < 10; m++)
  {
    SCOPED_TRACE(m);
    const double lo = 123456789.123 + m * 1.1e-7;
    const std::vector<double> values = MakeReals<double>(SMALL, lo, lo + 0.03, 21 + m);
    const NiftiVolume volume = MakeVolume(2, DT_FLOAT64, SMALL, values);
    const PixelEncoder encoder(volume);
    EXPECT_LE(encoder.GetMaxError(), 0.03 / 65000 / 2 * 1.0001);
    ExpectEncoded(encoder, SMALL, values, 0, 0, encoder.GetMaxError());
  }
}


TEST(PixelEncoder, ScaledFloats)
{
  const std::vector<float> values = MakeReals<float>(SMALL, -1, 1, 77);
  const NiftiVolume volume = MakeVolume(1, DT_FLOAT32, SMALL, values, false, 2.5, 10);
  const PixelEncoder encoder(volume);
  EXPECT_LE(encoder.GetMaxError(), 5.0 / 65000 / 2);
  ExpectEncoded(encoder, SMALL, values, 2.5, 10, encoder.GetMaxError());
}


TEST(PixelEncoder, NonFiniteValuesCountedAndMapped)
{
  std::vector<float> values = MakeReals<float>(SMALL, -10, 10, 5);
  values[3] = std::numeric_limits<float>::quiet_NaN();
  values[17] = std::numeric_limits<float>::quiet_NaN();
  values[40] = std::numeric_limits<float>::quiet_NaN();
  values[22] = std::numeric_limits<float>::infinity();
  values[50] = std::numeric_limits<float>::infinity();
  values[60] = -std::numeric_limits<float>::infinity();

  for (int swapped = 0; swapped <= 1; swapped++)
  {
    const NiftiVolume volume = MakeVolume(1, DT_FLOAT32, SMALL, values, swapped != 0);
    const PixelEncoder encoder(volume);
    EXPECT_EQ(6, encoder.GetNonFiniteCount());
    EXPECT_TRUE(HasWarningContaining(encoder, "6 voxels"));

    // The infinities do not stretch the range
    EXPECT_LE(encoder.GetMaxError(), 20.0 / 65000 / 2);

    // Non-finite voxels become 0, the others stay within the maximum error
    ExpectEncoded(encoder, SMALL, values, 0, 0, encoder.GetMaxError(), 0);
  }

  // Integral data with NaN stays lossless
  std::vector<double> integral = MakeIntegers<double>(SMALL, -5, 100);
  integral[9] = std::numeric_limits<double>::quiet_NaN();
  const NiftiVolume volume = MakeVolume(2, DT_FLOAT64, SMALL, integral);
  const PixelEncoder encoder(volume);
  EXPECT_EQ(1, encoder.GetNonFiniteCount());
  EXPECT_TRUE(encoder.IsLossless());
  ExpectEncoded(encoder, SMALL, integral, 0, 0, 0, 0);
}


TEST(PixelEncoder, OnlyNonFiniteValues)
{
  std::vector<float> values(static_cast<size_t>(SMALL.Count()), std::numeric_limits<float>::quiet_NaN());
  values[5] = -std::numeric_limits<float>::infinity();
  const NiftiVolume volume = MakeVolume(1, DT_FLOAT32, SMALL, values);
  const PixelEncoder encoder(volume);
  EXPECT_EQ(SMALL.Count(), encoder.GetNonFiniteCount());
  ExpectEncoded(encoder, SMALL, values, 0, 0, 0, 0);
}


TEST(PixelEncoder, ConstantVolumes)
{
  {
    const std::vector<int16_t> values(static_cast<size_t>(SMALL.Count()), -7);
    const NiftiVolume volume = MakeVolume(1, DT_INT16, SMALL, values);
    const PixelEncoder encoder(volume);
    EXPECT_TRUE(encoder.IsLossless());
    EXPECT_GT(encoder.GetWindowWidth(), 0);
    ExpectEncoded(encoder, SMALL, values, 0, 0, 0);
  }

  {
    const std::vector<float> values(static_cast<size_t>(SMALL.Count()), 42.0f);
    const NiftiVolume volume = MakeVolume(1, DT_FLOAT32, SMALL, values);
    const PixelEncoder encoder(volume);
    EXPECT_TRUE(encoder.IsLossless());
    ExpectEncoded(encoder, SMALL, values, 0, 0, 0);
  }

  for (double constant : { 3.25, -0.001, 123456.789, 1e-20, 0.0 })
  {
    SCOPED_TRACE(constant);
    const std::vector<double> values(static_cast<size_t>(SMALL.Count()), constant);
    const NiftiVolume volume = MakeVolume(2, DT_FLOAT64, SMALL, values);
    const PixelEncoder encoder(volume);
    EXPECT_TRUE(std::isfinite(encoder.GetRescaleSlope()));
    EXPECT_NE(0, encoder.GetRescaleSlope());
    EXPECT_GT(encoder.GetWindowWidth(), 0);
    ExpectEncoded(encoder, SMALL, values, 0, 0, encoder.GetMaxError());
  }

  {
    const std::vector<int64_t> values(static_cast<size_t>(SMALL.Count()), int64_t(1) << 35);
    const NiftiVolume volume = MakeVolume(2, DT_INT64, SMALL, values);
    const PixelEncoder encoder(volume);
    ExpectEncoded(encoder, SMALL, values, 0, 0, encoder.GetMaxError());
  }
}


TEST(PixelEncoder, WindowFromCalMinMax)
{
  const std::vector<int16_t> values = MakeIntegers<int16_t>(SMALL, -3, 17);

  NiftiTestFile f(1, { SMALL.nx, SMALL.ny, SMALL.nz, SMALL.nt }, DT_INT16);
  f.SetVoxels(values);
  f.calMin = 10;
  f.calMax = 90;
  const NiftiVolume volume(f.Build(), 1 << 20);
  const PixelEncoder encoder(volume);
  EXPECT_DOUBLE_EQ(50, encoder.GetWindowCenter());
  EXPECT_DOUBLE_EQ(80, encoder.GetWindowWidth());

  // Without (or with an unusable) cal_min/cal_max, the window covers the data
  for (double calMax : { 0.0, 5.0, std::numeric_limits<double>::quiet_NaN() })
  {
    SCOPED_TRACE(calMax);
    f.calMin = (calMax == 0 ? 0 : 10);
    f.calMax = calMax;
    const NiftiVolume v(f.Build(), 1 << 20);
    const PixelEncoder e(v);
    EXPECT_LE(e.GetWindowCenter() - e.GetWindowWidth() / 2, -3);
    EXPECT_GE(e.GetWindowCenter() + e.GetWindowWidth() / 2, 17);
    EXPECT_LE(e.GetWindowWidth(), 40);
  }

  // The window is in real values: scl_slope applies
  f.calMin = 0;
  f.calMax = 0;
  f.sclSlope = 10;
  f.sclInter = 0;
  const NiftiVolume scaled(f.Build(), 1 << 20);
  const PixelEncoder e(scaled);
  EXPECT_LE(e.GetWindowCenter() - e.GetWindowWidth() / 2, -30);
  EXPECT_GE(e.GetWindowCenter() + e.GetWindowWidth() / 2, 170);
}


TEST(PixelEncoder, VoxelsAfterExtensions)
{
  const Shape shape = { 4, 3, 2, 1 };
  const std::vector<uint16_t> values = MakeIntegers<uint16_t>(shape, 0, 65535);
  for (int version = 1; version <= 2; version++)
  {
    NiftiTestFile f(version, { shape.nx, shape.ny, shape.nz }, DT_UINT16);
    f.SetVoxels(values);
    f.extension = MakeExtension(6, 40, '\x55');
    f.voxOffset = 1008;
    const NiftiVolume volume(f.Build(), 1 << 20);
    const PixelEncoder encoder(volume);
    ExpectEncoded(encoder, shape, values, 0, 0, 0);
  }
}


// Values a 16-bit rescale cannot carry are refused: a RescaleSlope or
// WindowWidth of 0 (or Inf) would silently destroy them
TEST(PixelEncoder, RangesThatOverflowOrUnderflowAreRefused)
{
  const double huge = 1e308;
  for (const std::vector<double>& extremes : std::vector<std::vector<double> >{
         { -huge, huge },                                 // range overflows to Inf
         { -std::numeric_limits<double>::max(), 0 },      // intercept overflows
         { 0, 1e-320 },                                   // step underflows to 0
         { 1e-310, 2e-310 } })                            // subnormal step
  {
    SCOPED_TRACE(extremes[0]);
    std::vector<double> values(static_cast<size_t>(SMALL.Count()), extremes[0]);
    values[7] = extremes[1];
    const NiftiVolume volume = MakeVolume(2, DT_FLOAT64, SMALL, values);
    EXPECT_CONVERSION_ERROR(PixelEncoder encoder(volume), Unsupported, "ParametricMap");
  }
}


TEST(PixelEncoder, ScalingThatOverflowsIsRefused)
{
  // Int data with a float64 scl_slope whose products overflow
  std::vector<int16_t> ints(static_cast<size_t>(SMALL.Count()), 3);
  const NiftiVolume volume = MakeVolume(2, DT_INT16, SMALL, ints, false, 1e308, 0);
  EXPECT_CONVERSION_ERROR(PixelEncoder encoder(volume), Unsupported, "scl_slope");

  std::vector<float> floats(static_cast<size_t>(SMALL.Count()), 1e30f);
  floats[4] = 0.5f;
  const NiftiVolume floatVolume = MakeVolume(2, DT_FLOAT32, SMALL, floats, false, 1e300, 0);
  EXPECT_CONVERSION_ERROR(PixelEncoder encoder(floatVolume), Unsupported, "float64 range");
}


TEST(PixelEncoder, ExtremeButRepresentableValuesGiveFiniteNonZeroRescale)
{
  const std::vector<std::vector<double> > cases = {
    { 1e308, 1.7e308 },      // centre (a + b) / 2 overflowed
    { -1.7e308, -1e308 },
    { 1e-320, 1e-320 },      // all equal, subnormal
    { 1e300, 1e300 },        // all equal, huge
    { -8e307, 8e307 },       // range just finite
    { 0, 1e-300 } };         // tiny but normal step
  for (const auto& extremes : cases)
  {
    SCOPED_TRACE(extremes[1]);
    std::vector<double> values(static_cast<size_t>(SMALL.Count()), extremes[0]);
    values[7] = extremes[1];
    values[20] = extremes[0] / 2 + extremes[1] / 2;
    const NiftiVolume volume = MakeVolume(2, DT_FLOAT64, SMALL, values);
    const PixelEncoder encoder(volume);
    for (double v : { encoder.GetRescaleSlope(), encoder.GetWindowWidth() })
    {
      EXPECT_TRUE(std::isfinite(v) && v != 0) << v;
      EXPECT_NE(0.0, DicomValues::RoundTripDecimal(v));
    }
    EXPECT_TRUE(std::isfinite(encoder.GetRescaleIntercept()));
    EXPECT_TRUE(std::isfinite(encoder.GetWindowCenter()));
    EXPECT_TRUE(std::isfinite(DicomValues::RoundTripDecimal(encoder.GetWindowCenter())));

    // Every value read back within the announced error
    const double slope = DicomValues::RoundTripDecimal(encoder.GetRescaleSlope());
    const double inter = DicomValues::RoundTripDecimal(encoder.GetRescaleIntercept());
    for (int64_t k = 0; k < SMALL.nz; k++)
    {
      for (int64_t t = 0; t < SMALL.nt; t++)
      {
        std::string slice;
        encoder.EncodeSlice(slice, k, t);
        for (int64_t r = 0; r < SMALL.ny; r++)
        {
          for (int64_t c = 0; c < SMALL.nx; c++)
          {
            uint16_t bits;
            memcpy(&bits, slice.data() + 2 * (r * SMALL.nx + c), 2);
            const double pixel = encoder.IsSigned() ? static_cast<int16_t>(bits) : bits;
            const double real = slope * pixel + inter;
            const double expected = values[SMALL.Index(c, SMALL.ny - 1 - r, k, t)];
            EXPECT_LE(std::fabs(real - expected), encoder.GetMaxError() * 1.0001 + 1e-300) << expected;
          }
        }
      }
    }
  }
}


TEST(PixelEncoder, CalWindowThatOverflowsFallsBackToTheData)
{
  std::vector<double> values = MakeReals<double>(SMALL, -10, 10, 3);
  NiftiTestFile f(2, { SMALL.nx, SMALL.ny, SMALL.nz, SMALL.nt }, DT_FLOAT64);
  f.SetVoxels(values);
  f.calMin = -1.7e308;
  f.calMax = 1.7e308;
  const NiftiVolume volume(f.Build(), 1 << 30);
  const PixelEncoder encoder(volume);
  EXPECT_TRUE(std::isfinite(encoder.GetWindowWidth()));
  EXPECT_NEAR(20, encoder.GetWindowWidth(), 1e-9);
  EXPECT_NEAR(0, encoder.GetWindowCenter(), 1e-9);
}
