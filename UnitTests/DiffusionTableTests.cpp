#include "Metadata/DiffusionTable.h"
#include "Common/ConversionError.h"
#include "TestHelpers.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>

#include <gtest/gtest.h>

#include <cmath>

using namespace NiftiToDicom;

namespace
{
  // Row-major 3x3 part, translation (10, -20, 30)
  Affine MakeAffine(double a00, double a01, double a02,
                    double a10, double a11, double a12,
                    double a20, double a21, double a22)
  {
    Affine a;
    a.m = {{ a00, a01, a02, 10,
             a10, a11, a12, -20,
             a20, a21, a22, 30,
             0, 0, 0, 1 }};
    return a;
  }

  // The FSL files of a single volume with b = 1000 and direction (x, y, z)
  DiffusionTable OneVolume(double x, double y, double z)
  {
    return DiffusionTable::Parse("1000", std::to_string(x) + "\n" + std::to_string(y) + "\n" + std::to_string(z), 1);
  }

  ::testing::AssertionResult SameVector(const Vector3& expected, const Vector3& actual, double tolerance = 1e-9)
  {
    for (int i = 0; i < 3; i++)
    {
      if (std::fabs(expected[i] - actual[i]) > tolerance)
      {
        return ::testing::AssertionFailure() << "expected (" << expected[0] << ", " << expected[1] << ", "
                                             << expected[2] << "), got (" << actual[0] << ", " << actual[1]
                                             << ", " << actual[2] << ")";
      }
    }
    return ::testing::AssertionSuccess();
  }

  const double COS30 = std::sqrt(3.0) / 2.0;
  const double SIN30 = 0.5;
}


TEST(DiffusionTable, ParsesFslFiles)
{
  const DiffusionTable table = DiffusionTable::Parse(
    "0 1000 1000 2000\n",
    "0 1 0 0.57735\n"
    "0 0 1 0.57735\n"
    "0 0 0 -0.57735\n", 4);

  ASSERT_EQ(4, table.GetVolumes());
  EXPECT_EQ(0.0, table.GetBValue(0));
  EXPECT_EQ(1000.0, table.GetBValue(1));
  EXPECT_EQ(1000.0, table.GetBValue(2));
  EXPECT_EQ(2000.0, table.GetBValue(3));
  EXPECT_FALSE(table.IsDiffusionWeighted(0));
  EXPECT_TRUE(table.IsDiffusionWeighted(1));
  EXPECT_TRUE(table.IsDiffusionWeighted(3));

  EXPECT_TRUE(SameVector({{ 0, 0, 0 }}, table.GetFslVector(0)));
  EXPECT_TRUE(SameVector({{ 1, 0, 0 }}, table.GetFslVector(1)));
  EXPECT_TRUE(SameVector({{ 0, 1, 0 }}, table.GetFslVector(2)));
  EXPECT_TRUE(SameVector({{ 0.57735, 0.57735, -0.57735 }}, table.GetFslVector(3)));
}


TEST(DiffusionTable, AcceptsOtherLayoutsOfTheNumbers)
{
  // b-values one per line, Windows line ends, tabs, extra blank lines, exponents, byte order mark
  const DiffusionTable table = DiffusionTable::Parse(
    "\xEF\xBB\xBF" "0\r\n1e3\r\n\r\n  1000.0\t\r\n",
    "\n0\t1  0\r\n0 0 1\r\n0 0 0\r\n\n", 3);
  ASSERT_EQ(3, table.GetVolumes());
  EXPECT_EQ(1000.0, table.GetBValue(1));
  EXPECT_EQ(1000.0, table.GetBValue(2));
  EXPECT_TRUE(SameVector({{ 1, 0, 0 }}, table.GetFslVector(1)));
  EXPECT_TRUE(SameVector({{ 0, 1, 0 }}, table.GetFslVector(2)));
}


TEST(DiffusionTable, TransposedBvec)
{
  // One row per volume, as some tools write it
  const DiffusionTable table = DiffusionTable::Parse(
    "0 1000 1000 2000",
    "0 0 0\n"
    "1 0 0\n"
    "0 1 0\n"
    "0.6 0 -0.8\n", 4);
  EXPECT_TRUE(SameVector({{ 0, 0, 0 }}, table.GetFslVector(0)));
  EXPECT_TRUE(SameVector({{ 1, 0, 0 }}, table.GetFslVector(1)));
  EXPECT_TRUE(SameVector({{ 0, 1, 0 }}, table.GetFslVector(2)));
  EXPECT_TRUE(SameVector({{ 0.6, 0, -0.8 }}, table.GetFslVector(3)));

  // With 3 volumes both layouts fit: FSL's (rows x, y, z) is taken
  const DiffusionTable square = DiffusionTable::Parse("1000 1000 1000", "1 2 3\n4 5 6\n7 8 9", 3);
  EXPECT_TRUE(SameVector({{ 1, 4, 7 }}, square.GetFslVector(0)));
  EXPECT_TRUE(SameVector({{ 3, 6, 9 }}, square.GetFslVector(2)));
}


TEST(DiffusionTable, CountsMustMatchTheVolumes)
{
  const std::string bvec4 = "0 1 0 0\n0 0 1 0\n0 0 0 1\n";

  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("0 1000 1000", bvec4, 4), InvalidInput,
                          "bval holds 3 b-values but the NIfTI has 4 volumes");
  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("0 1000 1000 1000 1000", bvec4, 4), InvalidInput,
                          "bval holds 5 b-values");
  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("", bvec4, 4), InvalidInput, "bval holds 0 b-values");

  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("0 1000 1000 1000", "0 1 0\n0 0 1\n0 0 0\n", 4), InvalidInput,
                          "bvec holds 3 rows of 3 numbers but the NIfTI has 4 volumes");
  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("0 1000 1000 1000", "0 1 0 0\n0 0 1 0\n", 4), InvalidInput,
                          "bvec holds 2 rows of 4 numbers");
  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("0 1000 1000 1000", "0 1 0 0\n0 0 1\n0 0 0 1\n", 4), InvalidInput,
                          "bvec holds 3 rows of 4, 3, 4 numbers");
  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("0 1000 1000 1000", "", 4), InvalidInput, "bvec holds no numbers");
  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("0 1000 1000 1000", "0 1 0 0 0 0 1 0 0 0 0 1", 4), InvalidInput,
                          "bvec holds 1 row of 12 numbers");
  // Transposed, but one row short
  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("0 1000 1000 1000", "0 0 0\n1 0 0\n0 1 0\n", 4), InvalidInput,
                          "3 rows of 3 numbers");

  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("", "", 0), InvalidInput, "at least one volume");
}


TEST(DiffusionTable, RefusesWhatIsNotANumber)
{
  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("0 1000 abc", "0 1 0\n0 0 1\n0 0 0", 3), InvalidInput,
                          "bval: \"abc\" on line 1 is not a number");
  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("0 1000 1000", "0 1 0\n0 0 1,\n0 0 0", 3), InvalidInput,
                          "bvec: \"1,\" on line 2 is not a number");
  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("0 1000 nan", "0 1 0\n0 0 1\n0 0 0", 3), InvalidInput,
                          "not a number");
  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("0 1000 1e999", "0 1 0\n0 0 1\n0 0 0", 3), InvalidInput,
                          "not a number");
  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("0 -1000 1000", "0 1 0\n0 0 1\n0 0 0", 3), InvalidInput,
                          "negative");
}


TEST(DiffusionTable, GradientOfIdentityRas)
{
  // det > 0: FSL's x points the other way than i, i.e. to the patient's left,
  // which is +x in LPS; +j is anterior, -y in LPS; +k is superior, +z
  const Affine ras = MakeAffine(1, 0, 0,
                                0, 1, 0,
                                0, 0, 1);
  EXPECT_TRUE(SameVector({{ 1, 0, 0 }}, OneVolume(1, 0, 0).GetGradientLps(0, ras)));
  EXPECT_TRUE(SameVector({{ -1, 0, 0 }}, OneVolume(-1, 0, 0).GetGradientLps(0, ras)));
  EXPECT_TRUE(SameVector({{ 0, -1, 0 }}, OneVolume(0, 1, 0).GetGradientLps(0, ras)));
  EXPECT_TRUE(SameVector({{ 0, 0, 1 }}, OneVolume(0, 0, 1).GetGradientLps(0, ras)));
  EXPECT_TRUE(SameVector({{ 0.6, -0.8, 0 }}, OneVolume(0.6, 0.8, 0).GetGradientLps(0, ras)));

  // Voxel sizes do not matter
  const Affine scaled = MakeAffine(2.5, 0, 0,
                                   0, 0.8, 0,
                                   0, 0, 4);
  EXPECT_TRUE(SameVector({{ 0.6, 0, 0.8 }}, OneVolume(0.6, 0, 0.8).GetGradientLps(0, scaled)));
  EXPECT_TRUE(SameVector({{ 0.6, -0.8, 0 }}, OneVolume(0.6, 0.8, 0).GetGradientLps(0, scaled)));
}


TEST(DiffusionTable, GradientOfLas)
{
  // det < 0 (i runs to the left): FSL's x is i itself, the patient's left
  const Affine las = MakeAffine(-1, 0, 0,
                                0, 1, 0,
                                0, 0, 1);
  EXPECT_TRUE(SameVector({{ 1, 0, 0 }}, OneVolume(1, 0, 0).GetGradientLps(0, las)));
  EXPECT_TRUE(SameVector({{ 0, -1, 0 }}, OneVolume(0, 1, 0).GetGradientLps(0, las)));
  EXPECT_TRUE(SameVector({{ 0, 0, 1 }}, OneVolume(0, 0, 1).GetGradientLps(0, las)));
  EXPECT_TRUE(SameVector({{ 0.6, -0.8, 0 }}, OneVolume(0.6, 0.8, 0).GetGradientLps(0, las)));

  // FSL's convention makes a vector mean the same direction whichever way x is stored
  const Affine ras = MakeAffine(2, 0, 0,
                                0, 2, 0,
                                0, 0, 2);
  const Affine las2 = MakeAffine(-2, 0, 0,
                                 0, 2, 0,
                                 0, 0, 2);
  const DiffusionTable v = OneVolume(0.48, 0.6, 0.64);
  EXPECT_TRUE(SameVector(v.GetGradientLps(0, ras), v.GetGradientLps(0, las2)));

  // LPS storage, det > 0 again (two axes reversed): x flipped, so b = (1, 0, 0) is -i,
  // the patient's right: RAS (1, 0, 0), LPS (-1, 0, 0)
  const Affine lps = MakeAffine(-1, 0, 0,
                                0, -1, 0,
                                0, 0, 1);
  EXPECT_TRUE(SameVector({{ -1, 0, 0 }}, OneVolume(1, 0, 0).GetGradientLps(0, lps)));
  // +j is posterior: RAS (0, -1, 0), LPS (0, 1, 0)
  EXPECT_TRUE(SameVector({{ 0, 1, 0 }}, OneVolume(0, 1, 0).GetGradientLps(0, lps)));
  EXPECT_TRUE(SameVector({{ 0, 0, 1 }}, OneVolume(0, 0, 1).GetGradientLps(0, lps)));

  // LPI, det < 0 (three axes reversed): no flip, b = (1, 0, 0) is +i, the patient's left
  const Affine lpi = MakeAffine(-1, 0, 0,
                                0, -1, 0,
                                0, 0, -1);
  EXPECT_TRUE(SameVector({{ 1, 0, 0 }}, OneVolume(1, 0, 0).GetGradientLps(0, lpi)));
  EXPECT_TRUE(SameVector({{ 0, 1, 0 }}, OneVolume(0, 1, 0).GetGradientLps(0, lpi)));
  // +k is inferior
  EXPECT_TRUE(SameVector({{ 0, 0, -1 }}, OneVolume(0, 0, 1).GetGradientLps(0, lpi)));
}


TEST(DiffusionTable, GradientRotatedThirtyDegreesAboutZ)
{
  // Columns: i = (cos30, sin30, 0) * 2 mm, j = (-sin30, cos30, 0) * 2 mm, k = (0, 0, 3 mm); det > 0
  const Affine rotated = MakeAffine(2 * COS30, -2 * SIN30, 0,
                                    2 * SIN30, 2 * COS30, 0,
                                    0, 0, 3);

  // b = (1, 0, 0): x flipped -> -i = (-cos30, -sin30, 0) RAS -> LPS (cos30, sin30, 0)
  EXPECT_TRUE(SameVector({{ COS30, SIN30, 0 }}, OneVolume(1, 0, 0).GetGradientLps(0, rotated)));
  // b = (0, 1, 0): j = (-sin30, cos30, 0) RAS -> LPS (sin30, -cos30, 0)
  EXPECT_TRUE(SameVector({{ SIN30, -COS30, 0 }}, OneVolume(0, 1, 0).GetGradientLps(0, rotated)));
  // b = (0, 0, 1): k unchanged
  EXPECT_TRUE(SameVector({{ 0, 0, 1 }}, OneVolume(0, 0, 1).GetGradientLps(0, rotated)));
  // b = (1, 1, 0)/sqrt2: (cos30 + sin30, sin30 - cos30, 0)/sqrt2
  EXPECT_TRUE(SameVector({{ (COS30 + SIN30) / std::sqrt(2.0), (SIN30 - COS30) / std::sqrt(2.0), 0 }},
                         OneVolume(1 / std::sqrt(2.0), 1 / std::sqrt(2.0), 0).GetGradientLps(0, rotated)));

  // The same rotation with i reversed (det < 0): i = (-cos30, -sin30, 0), no flip of x,
  // so b = (1, 0, 0) -> (-cos30, -sin30, 0) RAS -> LPS (cos30, sin30, 0), as above
  const Affine rotatedLas = MakeAffine(-2 * COS30, -2 * SIN30, 0,
                                       -2 * SIN30, 2 * COS30, 0,
                                       0, 0, 3);
  EXPECT_TRUE(SameVector({{ COS30, SIN30, 0 }}, OneVolume(1, 0, 0).GetGradientLps(0, rotatedLas)));
  EXPECT_TRUE(SameVector({{ SIN30, -COS30, 0 }}, OneVolume(0, 1, 0).GetGradientLps(0, rotatedLas)));
}


TEST(DiffusionTable, InverseOfDcm2niix)
{
  // dcm2niix v1.0.20220720 made this NIfTI, bval and bvec from 3 slices x 5 volumes of classic MR
  // with ImageOrientationPatient (cos30, sin30, 0, -sin30, cos30, 0) and, per volume, DiffusionBValue
  // 0, 1000... and DiffusionGradientOrientation (LPS) (0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1), (0.6, 0, 0.8)
  const Affine affine = MakeAffine(-0.86602539, -0.5, 0,
                                   -0.5, 0.86602539, 0,
                                   0, 0, 2);
  const DiffusionTable table = DiffusionTable::Parse(
    "0 1000 1000 1000 1000\n",
    "0 0.866025 0.5 0 0.519615\n"
    "0 0.5 -0.866025 0 0.3\n"
    "0 0 0 1 0.8\n", 5);

  EXPECT_TRUE(SameVector({{ 0, 0, 0 }}, table.GetGradientLps(0, affine)));
  EXPECT_TRUE(SameVector({{ 1, 0, 0 }}, table.GetGradientLps(1, affine), 1e-5));
  EXPECT_TRUE(SameVector({{ 0, 1, 0 }}, table.GetGradientLps(2, affine), 1e-5));
  EXPECT_TRUE(SameVector({{ 0, 0, 1 }}, table.GetGradientLps(3, affine), 1e-5));
  EXPECT_TRUE(SameVector({{ 0.6, 0, 0.8 }}, table.GetGradientLps(4, affine), 1e-5));
}


TEST(DiffusionTable, GradientsAreUnitVectorsOrZero)
{
  const Affine ras = MakeAffine(1, 0, 0,
                                0, 1, 0,
                                0, 0, 1);
  const DiffusionTable table = DiffusionTable::Parse(
    "0 0 1000 1000",
    "0 1 0 0\n"
    "0 0 0 0\n"
    "0 0 2 0\n", 4);

  // b = 0: no direction, even if the bvec gives one
  EXPECT_TRUE(SameVector({{ 0, 0, 0 }}, table.GetGradientLps(0, ras)));
  EXPECT_TRUE(SameVector({{ 0, 0, 0 }}, table.GetGradientLps(1, ras)));
  // Not a unit vector in the file
  EXPECT_TRUE(SameVector({{ 0, 0, 1 }}, table.GetGradientLps(2, ras)));
  // b > 0 without direction: a trace (isotropic) image
  EXPECT_TRUE(SameVector({{ 0, 0, 0 }}, table.GetGradientLps(3, ras)));

  EXPECT_EQ("NONE", table.GetDirectionality(0));
  EXPECT_EQ("NONE", table.GetDirectionality(1));
  EXPECT_EQ("DIRECTIONAL", table.GetDirectionality(2));
  EXPECT_EQ("ISOTROPIC", table.GetDirectionality(3));
}


TEST(DiffusionTable, RefusesDegenerateAffines)
{
  const DiffusionTable table = OneVolume(1, 0, 0);
  EXPECT_CONVERSION_ERROR(table.GetGradientLps(0, MakeAffine(0, 0, 0,
                                                             0, 1, 0,
                                                             0, 0, 1)), InvalidInput, "voxel axis");
  EXPECT_CONVERSION_ERROR(table.GetGradientLps(0, MakeAffine(NAN, 0, 0,
                                                             0, 1, 0,
                                                             0, 0, 1)), InvalidInput, "voxel axis");
  // i and j the same direction: i - j cancels
  const DiffusionTable diagonal = OneVolume(-1, 1, 0);
  EXPECT_CONVERSION_ERROR(diagonal.GetGradientLps(0, MakeAffine(1, 1, 0,
                                                                0, 0, 0,
                                                                0, 0, 1)), InvalidInput, "not independent");
}


TEST(DiffusionTable, VolumesOutOfRange)
{
  const DiffusionTable table = OneVolume(1, 0, 0);
  EXPECT_CONVERSION_ERROR(table.GetBValue(1), Internal, "out of range");
  EXPECT_CONVERSION_ERROR(table.GetBValue(-1), Internal, "out of range");
  EXPECT_CONVERSION_ERROR(table.IsDiffusionWeighted(5), Internal, "out of range");
}


TEST(DiffusionTable, ApplyToWritesFloatingPointAttributes)
{
  const Affine rotated = MakeAffine(COS30, -SIN30, 0,
                                    SIN30, COS30, 0,
                                    0, 0, 1);
  const DiffusionTable table = DiffusionTable::Parse("0 1000 2500", "0 1 0\n0 0 1\n0 0 0", 3);

  DcmDataset dataset;

  table.ApplyTo(dataset, 1, rotated);
  {
    DcmElement* element = nullptr;
    ASSERT_TRUE(dataset.findAndGetElement(DCM_DiffusionBValue, element).good());
    EXPECT_EQ(EVR_FD, element->getTag().getEVR());
    EXPECT_EQ(1u, element->getVM());
    Float64 b = 0;
    ASSERT_TRUE(dataset.findAndGetFloat64(DCM_DiffusionBValue, b).good());
    EXPECT_EQ(1000.0, b);

    ASSERT_TRUE(dataset.findAndGetElement(DCM_DiffusionGradientOrientation, element).good());
    EXPECT_EQ(EVR_FD, element->getTag().getEVR());
    EXPECT_EQ(3u, element->getVM());
    Vector3 g;
    for (unsigned long i = 0; i < 3; i++)
    {
      ASSERT_TRUE(dataset.findAndGetFloat64(DCM_DiffusionGradientOrientation, g[i], i).good());
    }
    EXPECT_TRUE(SameVector({{ COS30, SIN30, 0 }}, g));

    OFString directionality;
    ASSERT_TRUE(dataset.findAndGetOFString(DCM_DiffusionDirectionality, directionality).good());
    EXPECT_EQ("DIRECTIONAL", std::string(directionality.c_str()));
  }

  // Another volume into the same item replaces the values
  table.ApplyTo(dataset, 2, rotated);
  {
    Float64 b = 0;
    ASSERT_TRUE(dataset.findAndGetFloat64(DCM_DiffusionBValue, b).good());
    EXPECT_EQ(2500.0, b);
    Vector3 g;
    for (unsigned long i = 0; i < 3; i++)
    {
      ASSERT_TRUE(dataset.findAndGetFloat64(DCM_DiffusionGradientOrientation, g[i], i).good());
    }
    EXPECT_TRUE(SameVector({{ SIN30, -COS30, 0 }}, g));
  }

  table.ApplyTo(dataset, 0, rotated);
  {
    Float64 b = -1;
    ASSERT_TRUE(dataset.findAndGetFloat64(DCM_DiffusionBValue, b).good());
    EXPECT_EQ(0.0, b);
    DcmElement* element = nullptr;
    ASSERT_TRUE(dataset.findAndGetElement(DCM_DiffusionGradientOrientation, element).good());
    EXPECT_EQ(3u, element->getVM());
    Float64 x = -1;
    ASSERT_TRUE(dataset.findAndGetFloat64(DCM_DiffusionGradientOrientation, x, 2).good());
    EXPECT_EQ(0.0, x);
    OFString directionality;
    ASSERT_TRUE(dataset.findAndGetOFString(DCM_DiffusionDirectionality, directionality).good());
    EXPECT_EQ("NONE", std::string(directionality.c_str()));
  }
}


TEST(DiffusionTable, HugeAndTinyVectorsGiveFiniteUnitDirections)
{
  // Oblique, so that every component of the direction mixes the three of
  // the bvec: 1.7e308 gave NaN, 1e308 gave (0, 0, 0) labelled DIRECTIONAL
  const Affine rotated = MakeAffine(2 * COS30, -2 * SIN30, 0,
                                    2 * SIN30, 2 * COS30, 0,
                                    0, 0, 2);
  const DiffusionTable table = DiffusionTable::Parse(
    "1000 1000 1000 1000",
    "1.7e308 1e308 1e300 -1e200\n1.7e308 1e308 2e300 0\n1.7e308 -1e308 0 1e-200", 4);
  const DiffusionTable reference = DiffusionTable::Parse("1000 1000 1000 1000", "1 1 1 -1\n1 1 2 0\n1 -1 0 0", 4);
  for (int64_t t = 0; t < 4; t++)
  {
    SCOPED_TRACE(t);
    const Vector3 g = table.GetGradientLps(t, rotated);
    const Vector3 expected = reference.GetGradientLps(t, rotated);
    double norm2 = 0;
    for (int i = 0; i < 3; i++)
    {
      EXPECT_TRUE(std::isfinite(g[i]));
      EXPECT_NEAR(expected[i], g[i], 1e-12);
      norm2 += g[i] * g[i];
    }
    EXPECT_NEAR(1, norm2, 1e-12);
  }
  // Tiny vectors are still "no direction"
  EXPECT_EQ("ISOTROPIC", DiffusionTable::Parse("1000", "1e-300 0 0", 1).GetDirectionality(0));
}


TEST(DiffusionTable, NonFiniteNumbersNamedWithTheirPosition)
{
  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("0 1000 1e999", "0 1 0\n0 0 1\n0 0 0", 3), InvalidInput,
                          "bval: \"1e999\" on line 1 is not a number that can be stored (number 3 of the line)");
  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("0 1000 1000", "0 1 0\n0 -inf 1\n0 0 0", 3), InvalidInput,
                          "bvec: \"-inf\" on line 2 is not a number that can be stored (number 2 of the line)");
  EXPECT_CONVERSION_ERROR(DiffusionTable::Parse("0 1000 1000", "0 1 0\n0 0 1\nNaN 0 0", 3), InvalidInput,
                          "bvec: \"NaN\" on line 3");
}


// UIH writes b = 1.25 with a zero vector for its b = 0 volumes: that is no
// trace image (which dcm2niix would split off), and keeps its b-value
TEST(DiffusionTable, ResidualBValueWithoutDirectionIsNotATraceImage)
{
  const DiffusionTable table = DiffusionTable::Parse("1.25 5 5.01 1000 1.25", "0 0 0 0 1\n0 0 0 0 0\n0 0 0 0 0\n", 5);
  EXPECT_EQ("NONE", table.GetDirectionality(0));
  EXPECT_DOUBLE_EQ(1.25, table.GetBValue(0));
  EXPECT_EQ("NONE", table.GetDirectionality(1));
  EXPECT_EQ("ISOTROPIC", table.GetDirectionality(2));
  EXPECT_EQ("ISOTROPIC", table.GetDirectionality(3));
  EXPECT_EQ("DIRECTIONAL", table.GetDirectionality(4));   // a direction: diffusion-weighted, however small b

  // Written as the b = 0 volume it is
  const Affine ras = MakeAffine(1, 0, 0,
                                0, 1, 0,
                                0, 0, 1);
  for (int64_t t : { 0, 4 })
  {
    DcmDataset dataset;
    table.ApplyTo(dataset, t, ras);
    Float64 b = -1;
    ASSERT_TRUE(dataset.findAndGetFloat64(DCM_DiffusionBValue, b).good());
    EXPECT_DOUBLE_EQ(t == 0 ? 0.0 : 1.25, b);
  }
}
