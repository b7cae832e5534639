#include "Plan/SeriesGeometry.h"
#include "NiftiTestFile.h"
#include "TestHelpers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace NiftiToDicom;
using namespace NiftiTest;

namespace
{
  typedef double Matrix34[3][4];

  NiftiHeader ParseFile(const NiftiTestFile& f)
  {
    const std::string file = f.Build();
    return NiftiHeader::Parse(file.data(), file.size());
  }

  double Dot(const Vector3& a, const Vector3& b)
  {
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  }

  // LPS position of voxel (i, j, k) under the RAS affine "a"
  Vector3 VoxelLps(const Matrix34& a, double i, double j, double k)
  {
    Vector3 ras;
    for (int r = 0; r < 3; r++)
    {
      ras[r] = a[r][0] * i + a[r][1] * j + a[r][2] * k + a[r][3];
    }
    return {{ -ras[0], -ras[1], ras[2] }};
  }

  void ExpectVector(const Vector3& expected, const Vector3& actual, double tolerance, const std::string& what)
  {
    for (int i = 0; i < 3; i++)
    {
      EXPECT_NEAR(expected[i], actual[i], tolerance) << what << "[" << i << "]";
    }
  }

  void ExpectOrthonormal(const SeriesGeometry& g, double tolerance)
  {
    const Vector3& x = g.GetRowDirection();
    const Vector3& y = g.GetColumnDirection();
    EXPECT_NEAR(1.0, Dot(x, x), tolerance);
    EXPECT_NEAR(1.0, Dot(y, y), tolerance);
    EXPECT_NEAR(0.0, Dot(x, y), tolerance);

    const Vector3 cross = {{ x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0] }};
    ExpectVector(cross, g.GetNormal(), tolerance, "normal");
  }

  // The DICOM definition: the centre of pixel (column c, row r) of slice k is
  // IPP_k + c*dc*X + r*dr*Y. It must be the LPS position of voxel
  // (c, ny-1-r, k) under the NIfTI affine.
  void ExpectPixelPositions(const SeriesGeometry& g, const Matrix34& affineMm,
                            int64_t nx, int64_t ny, int64_t nz, double tolerance)
  {
    ASSERT_EQ(nx, g.GetColumns());
    ASSERT_EQ(ny, g.GetRows());
    ASSERT_EQ(nz, g.GetSlices());

    const Vector3& x = g.GetRowDirection();
    const Vector3& y = g.GetColumnDirection();
    const double dc = g.GetColumnSpacing();
    const double dr = g.GetRowSpacing();

    for (int64_t k : { int64_t(0), nz / 2, nz - 1 })
    {
      const Vector3 ipp = g.GetSlicePosition(k);
      for (int64_t c : { int64_t(0), int64_t(1), nx - 1 })
      {
        for (int64_t r : { int64_t(0), ny / 2, ny - 1 })
        {
          Vector3 dicom;
          for (int i = 0; i < 3; i++)
          {
            dicom[i] = ipp[i] + static_cast<double>(c) * dc * x[i] + static_cast<double>(r) * dr * y[i];
          }
          const Vector3 expected = VoxelLps(affineMm, static_cast<double>(c), static_cast<double>(ny - 1 - r),
                                            static_cast<double>(k));
          ExpectVector(expected, dicom, tolerance, "pixel (c=" + std::to_string(c) + ", r=" + std::to_string(r) +
                       ", k=" + std::to_string(k) + ")");
        }
      }
    }
  }

  // Rotation matrix Rz(az) * Ry(ay) * Rx(ax), angles in degrees
  void MakeRotation(double r[3][3], double axDeg, double ayDeg, double azDeg)
  {
    const double ax = axDeg * M_PI / 180, ay = ayDeg * M_PI / 180, az = azDeg * M_PI / 180;
    const double rx[3][3] = { { 1, 0, 0 }, { 0, cos(ax), -sin(ax) }, { 0, sin(ax), cos(ax) } };
    const double ry[3][3] = { { cos(ay), 0, sin(ay) }, { 0, 1, 0 }, { -sin(ay), 0, cos(ay) } };
    const double rz[3][3] = { { cos(az), -sin(az), 0 }, { sin(az), cos(az), 0 }, { 0, 0, 1 } };
    double zy[3][3];
    for (int i = 0; i < 3; i++)
    {
      for (int j = 0; j < 3; j++)
      {
        zy[i][j] = 0;
        for (int m = 0; m < 3; m++)
        {
          zy[i][j] += rz[i][m] * ry[m][j];
        }
      }
    }
    for (int i = 0; i < 3; i++)
    {
      for (int j = 0; j < 3; j++)
      {
        r[i][j] = 0;
        for (int m = 0; m < 3; m++)
        {
          r[i][j] += zy[i][m] * rx[m][j];
        }
      }
    }
  }

  void MakeObliqueAffine(Matrix34& a, const double spacing[3], const double offset[3])
  {
    double r[3][3];
    MakeRotation(r, 20, -10, 30);
    for (int i = 0; i < 3; i++)
    {
      for (int j = 0; j < 3; j++)
      {
        a[i][j] = r[i][j] * spacing[j];
      }
      a[i][3] = offset[i];
    }
  }

  bool HasWarningContaining(const SeriesGeometry& g, const std::string& word)
  {
    for (const std::string& w : g.GetWarnings())
    {
      if (ToLower(w).find(ToLower(word)) != std::string::npos)
      {
        return true;
      }
    }
    return false;
  }
}


TEST(SeriesGeometry, AxialRasAnisotropic)
{
  const Matrix34 a = { { 0.7, 0, 0, -10 }, { 0, 1.3, 0, 20 }, { 0, 0, 2.5, 30 } };
  for (int version = 1; version <= 2; version++)
  {
    SCOPED_TRACE(version);
    NiftiTestFile f(version, { 5, 4, 3 }, DT_INT16);
    f.SetSform(1, a);
    const double tolerance = (version == 1 ? 1e-5 : 1e-9);   // NIfTI-1 stores float32

    const SeriesGeometry g(ParseFile(f));
    EXPECT_EQ(SeriesGeometry::Source::Sform, g.GetSource());
    EXPECT_EQ(1, g.GetXformCode());
    EXPECT_TRUE(g.GetWarnings().empty());

    // Columns follow i (0.7 mm apart), rows follow j (1.3 mm): PixelSpacing = [1.3, 0.7]
    EXPECT_NEAR(0.7, g.GetColumnSpacing(), tolerance);
    EXPECT_NEAR(1.3, g.GetRowSpacing(), tolerance);
    EXPECT_NEAR(2.5, g.GetSliceSpacing(), tolerance);

    // i grows towards R+ (L- in LPS); rows are flipped, so r grows towards A- (P+)
    ExpectVector({{ -1, 0, 0 }}, g.GetRowDirection(), 1e-12, "X");
    ExpectVector({{ 0, 1, 0 }}, g.GetColumnDirection(), 1e-12, "Y");
    ExpectVector({{ 0, 0, -1 }}, g.GetNormal(), 1e-12, "normal");

    // First pixel of each slice: voxel (0, 3, k) = RAS (-10, 23.9, 30 + 2.5k)
    ExpectVector({{ 10, -23.9, 30 }}, g.GetSlicePosition(0), tolerance, "IPP first");
    ExpectVector({{ 10, -23.9, 35 }}, g.GetSlicePosition(2), tolerance, "IPP last");
    EXPECT_NEAR(-30, g.GetSliceLocation(0), tolerance);
    EXPECT_NEAR(-35, g.GetSliceLocation(2), tolerance);

    ExpectOrthonormal(g, 1e-12);
    ExpectPixelPositions(g, a, 5, 4, 3, tolerance);
  }
}


TEST(SeriesGeometry, LasLeftHanded)
{
  const Matrix34 a = { { -2, 0, 0, 50 }, { 0, 2, 0, -20 }, { 0, 0, 3, -10 } };
  NiftiTestFile f(2, { 4, 3, 2 }, DT_INT16);
  f.SetSform(2, a);
  const SeriesGeometry g(ParseFile(f));

  EXPECT_EQ(2, g.GetXformCode());
  EXPECT_DOUBLE_EQ(2, g.GetColumnSpacing());
  EXPECT_DOUBLE_EQ(2, g.GetRowSpacing());
  EXPECT_DOUBLE_EQ(3, g.GetSliceSpacing());
  ExpectVector({{ 1, 0, 0 }}, g.GetRowDirection(), 1e-12, "X");
  ExpectVector({{ 0, 1, 0 }}, g.GetColumnDirection(), 1e-12, "Y");
  ExpectVector({{ 0, 0, 1 }}, g.GetNormal(), 1e-12, "normal");

  // Voxel (0, 2, k) = RAS (50, -16, -10 + 3k)
  ExpectVector({{ -50, 16, -10 }}, g.GetSlicePosition(0), 1e-12, "IPP first");
  ExpectVector({{ -50, 16, -7 }}, g.GetSlicePosition(1), 1e-12, "IPP last");
  EXPECT_NEAR(-10, g.GetSliceLocation(0), 1e-12);
  EXPECT_NEAR(-7, g.GetSliceLocation(1), 1e-12);

  ExpectOrthonormal(g, 1e-12);
  ExpectPixelPositions(g, a, 4, 3, 2, 1e-12);
}


TEST(SeriesGeometry, ObliqueRotation)
{
  const double spacing[3] = { 0.9, 1.1, 3.0 };
  const double offset[3] = { 12.5, -40, 7 };
  Matrix34 a;
  MakeObliqueAffine(a, spacing, offset);

  for (int version = 1; version <= 2; version++)
  {
    for (int swapped = 0; swapped <= 1; swapped++)
    {
      SCOPED_TRACE("NIfTI-" + std::to_string(version) + (swapped ? " swapped" : ""));
      NiftiTestFile f(version, { 6, 5, 4 }, DT_INT16);
      f.byteSwapped = (swapped != 0);
      f.SetSform(1, a);
      const double tolerance = (version == 1 ? 1e-4 : 1e-9);

      const SeriesGeometry g(ParseFile(f));
      EXPECT_NEAR(0.9, g.GetColumnSpacing(), tolerance);
      EXPECT_NEAR(1.1, g.GetRowSpacing(), tolerance);
      EXPECT_NEAR(3.0, g.GetSliceSpacing(), tolerance);

      // X = LPS of the i axis, Y = LPS of the -j axis. LPS = diag(-1, -1, 1) has
      // determinant +1, so X x Y = -LPS(i x j) = -LPS(k axis) for a rotation.
      ExpectVector({{ -a[0][0] / 0.9, -a[1][0] / 0.9, a[2][0] / 0.9 }}, g.GetRowDirection(), tolerance, "X");
      ExpectVector({{ a[0][1] / 1.1, a[1][1] / 1.1, -a[2][1] / 1.1 }}, g.GetColumnDirection(), tolerance, "Y");
      ExpectVector({{ a[0][2] / 3.0, a[1][2] / 3.0, -a[2][2] / 3.0 }}, g.GetNormal(), tolerance, "normal");

      ExpectVector(VoxelLps(a, 0, 4, 0), g.GetSlicePosition(0), tolerance, "IPP first");
      ExpectVector(VoxelLps(a, 0, 4, 3), g.GetSlicePosition(3), tolerance, "IPP last");

      ExpectOrthonormal(g, 1e-12);
      ExpectPixelPositions(g, a, 6, 5, 4, tolerance);
    }
  }
}


TEST(SeriesGeometry, QformOnly)
{
  for (int version = 1; version <= 2; version++)
  {
    SCOPED_TRACE(version);

    // 90 degrees about z with qfac -1: A = R * diag(0.8, 1.2, -2) + offset
    NiftiTestFile f(version, { 4, 6, 3 }, DT_INT16);
    f.SetQform(1, 0, 0, std::sqrt(0.5), 5, -6, 7, 0.8, 1.2, 2.0, -1);
    const Matrix34 a = { { 0, -1.2, 0, 5 }, { 0.8, 0, 0, -6 }, { 0, 0, -2, 7 } };

    const SeriesGeometry g(ParseFile(f));
    EXPECT_EQ(SeriesGeometry::Source::Qform, g.GetSource());
    EXPECT_EQ(1, g.GetXformCode());
    EXPECT_NEAR(0.8, g.GetColumnSpacing(), 1e-6);
    EXPECT_NEAR(1.2, g.GetRowSpacing(), 1e-6);
    EXPECT_NEAR(2.0, g.GetSliceSpacing(), 1e-6);
    ExpectVector({{ 0, -1, 0 }}, g.GetRowDirection(), 1e-6, "X");
    ExpectVector({{ -1, 0, 0 }}, g.GetColumnDirection(), 1e-6, "Y");
    ExpectVector({{ 0, 0, -1 }}, g.GetNormal(), 1e-6, "normal");

    // Voxel (0, 5, k) = RAS (5 - 6, -6, 7 - 2k)
    ExpectVector({{ 1, 6, 7 }}, g.GetSlicePosition(0), 1e-5, "IPP first");
    ExpectVector({{ 1, 6, 3 }}, g.GetSlicePosition(2), 1e-5, "IPP last");

    ExpectOrthonormal(g, 1e-12);
    ExpectPixelPositions(g, a, 4, 6, 3, 1e-5);
  }
}


TEST(SeriesGeometry, SformTakesPrecedenceOverQform)
{
  const Matrix34 a = { { -2, 0, 0, 50 }, { 0, 2, 0, -20 }, { 0, 0, 3, -10 } };
  NiftiTestFile f(1, { 4, 3, 2 }, DT_INT16);
  f.SetQform(1, 0, 0, std::sqrt(0.5), 5, -6, 7, 0.8, 1.2, 2.0, 1);
  f.SetSform(3, a);

  const SeriesGeometry g(ParseFile(f));
  EXPECT_EQ(SeriesGeometry::Source::Sform, g.GetSource());
  EXPECT_EQ(3, g.GetXformCode());
  ExpectPixelPositions(g, a, 4, 3, 2, 1e-5);

  // sform_code 0: the srow values are ignored, the qform is used
  f.sformCode = 0;
  const SeriesGeometry q(ParseFile(f));
  EXPECT_EQ(SeriesGeometry::Source::Qform, q.GetSource());
  const Matrix34 qa = { { 0, -1.2, 0, 5 }, { 0.8, 0, 0, -6 }, { 0, 0, 2, 7 } };
  ExpectPixelPositions(q, qa, 4, 3, 2, 1e-5);
}


TEST(SeriesGeometry, NoTransform)
{
  NiftiTestFile f(1, { 5, 4, 3 }, DT_INT16);
  f.pixdim[1] = 0.5;
  f.pixdim[2] = 0.625;
  f.pixdim[3] = 0.75;
  f.srow[0][3] = 100;   // ignored: sform_code is 0

  const SeriesGeometry g(ParseFile(f));
  EXPECT_EQ(SeriesGeometry::Source::VoxelSizes, g.GetSource());
  EXPECT_EQ(0, g.GetXformCode());
  EXPECT_FALSE(g.GetWarnings().empty());
  EXPECT_TRUE(HasWarningContaining(g, "neither sform nor qform"));

  // The voxel sizes survive
  EXPECT_DOUBLE_EQ(0.5, g.GetColumnSpacing());
  EXPECT_DOUBLE_EQ(0.625, g.GetRowSpacing());
  EXPECT_DOUBLE_EQ(0.75, g.GetSliceSpacing());
  ExpectOrthonormal(g, 1e-12);

  const Matrix34 a = { { 0.5, 0, 0, 0 }, { 0, 0.625, 0, 0 }, { 0, 0, 0.75, 0 } };
  ExpectPixelPositions(g, a, 5, 4, 3, 1e-12);
}


TEST(SeriesGeometry, NoTransformWithBadPixdim)
{
  NiftiTestFile f(2, { 3, 3, 3 }, DT_INT16);
  f.pixdim[1] = 0;
  f.pixdim[2] = std::numeric_limits<double>::quiet_NaN();
  f.pixdim[3] = -2;

  const SeriesGeometry g(ParseFile(f));
  EXPECT_DOUBLE_EQ(1, g.GetColumnSpacing());
  EXPECT_DOUBLE_EQ(1, g.GetRowSpacing());
  EXPECT_DOUBLE_EQ(1, g.GetSliceSpacing());
  EXPECT_TRUE(HasWarningContaining(g, "pixdim[1]"));
  EXPECT_TRUE(HasWarningContaining(g, "pixdim[2]"));
  EXPECT_TRUE(HasWarningContaining(g, "pixdim[3]"));
}


TEST(SeriesGeometry, InPlaneShearRefused)
{
  // Column j leans 5.7 degrees towards i
  const Matrix34 a = { { 1, 0.1, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 1, 0 } };
  NiftiTestFile f(2, { 4, 4, 4 }, DT_INT16);
  f.SetSform(1, a);
  EXPECT_CONVERSION_ERROR(SeriesGeometry(ParseFile(f)), Unsupported, "shear");

  // Just beyond the tolerance: cos = 0.002
  const Matrix34 b = { { 1, 0.002, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 1, 0 } };
  f.SetSform(1, b);
  EXPECT_CONVERSION_ERROR(SeriesGeometry(ParseFile(f)), Unsupported, "in-plane");
}


TEST(SeriesGeometry, ThroughPlaneShearRefused)
{
  // The slice axis leans towards j (as a tilted-gantry CT)
  const Matrix34 a = { { 1, 0, 0, 0 }, { 0, 1, 0.3, 0 }, { 0, 0, 2, 0 } };
  NiftiTestFile f(2, { 4, 4, 4 }, DT_INT16);
  f.SetSform(1, a);
  EXPECT_CONVERSION_ERROR(SeriesGeometry(ParseFile(f)), Unsupported, "through-plane");

  // Towards i, in a qform-free oblique frame
  const double spacing[3] = { 1, 1, 2 };
  const double offset[3] = { 0, 0, 0 };
  Matrix34 b;
  MakeObliqueAffine(b, spacing, offset);
  for (int r = 0; r < 3; r++)
  {
    b[r][2] += 0.05 * b[r][0];
  }
  f.SetSform(1, b);
  EXPECT_CONVERSION_ERROR(SeriesGeometry(ParseFile(f)), Unsupported, "through-plane");
}


TEST(SeriesGeometry, TinyNonOrthogonalityAccepted)
{
  const double spacing[3] = { 0.9, 1.1, 3.0 };
  const double offset[3] = { -80, 110, 35 };

  for (double cosine : { 3e-7, 2e-5, 9e-4 })
  {
    SCOPED_TRACE(cosine);
    Matrix34 a;
    MakeObliqueAffine(a, spacing, offset);

    // Tilt j towards i by "cosine", and k slightly towards both
    for (int r = 0; r < 3; r++)
    {
      a[r][1] += cosine * a[r][0] * (spacing[1] / spacing[0]);
      a[r][2] += cosine * (a[r][0] + a[r][1]);
    }

    NiftiTestFile f(1, { 8, 7, 5 }, DT_INT16);   // float32 rounding too
    f.SetSform(1, a);
    const SeriesGeometry g(ParseFile(f));

    // IOP is orthonormal after the correction
    ExpectOrthonormal(g, 1e-9);
    if (cosine < 1e-4)
    {
      ExpectOrthonormal(g, 1e-13);
    }

    // The positions move by at most the residual angle times the extent
    ExpectPixelPositions(g, a, 8, 7, 5, cosine * 20 + 1e-4);
  }
}


TEST(SeriesGeometry, MetreUnits)
{
  const Matrix34 metres = { { 0.0007, 0, 0, -0.01 }, { 0, 0.0013, 0, 0.02 }, { 0, 0, 0.0025, 0.03 } };
  NiftiTestFile f(2, { 5, 4, 3 }, DT_INT16);
  f.SetSform(1, metres);
  f.xyztUnits = 1 | 8;   // metre, second

  const SeriesGeometry g(ParseFile(f));
  EXPECT_NEAR(0.7, g.GetColumnSpacing(), 1e-9);
  EXPECT_NEAR(1.3, g.GetRowSpacing(), 1e-9);
  EXPECT_NEAR(2.5, g.GetSliceSpacing(), 1e-9);
  ExpectVector({{ 10, -23.9, 30 }}, g.GetSlicePosition(0), 1e-9, "IPP first");
  EXPECT_TRUE(HasWarningContaining(g, "metre"));

  const Matrix34 mm = { { 0.7, 0, 0, -10 }, { 0, 1.3, 0, 20 }, { 0, 0, 2.5, 30 } };
  ExpectPixelPositions(g, mm, 5, 4, 3, 1e-9);
}


TEST(SeriesGeometry, MicrometreUnits)
{
  const Matrix34 microns = { { 500, 0, 0, 1000 }, { 0, 500, 0, 2000 }, { 0, 0, 1500, 3000 } };
  NiftiTestFile f(2, { 3, 3, 3 }, DT_INT16);
  f.SetSform(1, microns);
  f.xyztUnits = 3;

  const SeriesGeometry g(ParseFile(f));
  EXPECT_NEAR(0.5, g.GetColumnSpacing(), 1e-12);
  EXPECT_NEAR(1.5, g.GetSliceSpacing(), 1e-12);
  const Matrix34 mm = { { 0.5, 0, 0, 1 }, { 0, 0.5, 0, 2 }, { 0, 0, 1.5, 3 } };
  ExpectPixelPositions(g, mm, 3, 3, 3, 1e-12);
}


TEST(SeriesGeometry, NonFiniteSformFallsBackToQform)
{
  Matrix34 a = { { 1, 0, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 1, 0 } };
  a[1][3] = std::numeric_limits<double>::quiet_NaN();
  NiftiTestFile f(2, { 4, 4, 4 }, DT_INT16);
  f.SetSform(1, a);
  f.SetQform(1, 0, 0, 0, 1, 2, 3, 2, 2, 2, 1);

  const SeriesGeometry g(ParseFile(f));
  EXPECT_EQ(SeriesGeometry::Source::Qform, g.GetSource());
  EXPECT_TRUE(HasWarningContaining(g, "sform"));
  const Matrix34 q = { { 2, 0, 0, 1 }, { 0, 2, 0, 2 }, { 0, 0, 2, 3 } };
  ExpectPixelPositions(g, q, 4, 4, 4, 1e-12);
}


TEST(SeriesGeometry, ZeroVoxelSizeRefused)
{
  const Matrix34 a = { { 1, 0, 0, 0 }, { 0, 0, 0, 0 }, { 0, 0, 1, 0 } };
  NiftiTestFile f(2, { 4, 4, 4 }, DT_INT16);
  f.SetSform(1, a);
  EXPECT_CONVERSION_ERROR(SeriesGeometry(ParseFile(f)), InvalidInput, "voxel size");
}


TEST(SeriesGeometry, FourDimensionalVolumeUsesThreeAxes)
{
  const Matrix34 a = { { 0.7, 0, 0, -10 }, { 0, 1.3, 0, 20 }, { 0, 0, 2.5, 30 } };
  NiftiTestFile f(2, { 5, 4, 3, 7 }, DT_INT16);
  f.SetSform(1, a);
  f.pixdim[4] = 2.0;
  const SeriesGeometry g(ParseFile(f));
  EXPECT_EQ(3, g.GetSlices());
  ExpectPixelPositions(g, a, 5, 4, 3, 1e-9);
}


TEST(SeriesGeometry, PositionsBeyondFloat64Refused)
{
  // Each entry is finite, but the slice location of the oblique one, or
  // the origin in metres converted to mm, is not
  const double c = std::sqrt(0.5);
  const Matrix34 oblique = { { 1, 0, 0, 1.7e308 }, { 0, c, -c, -1.7e308 }, { 0, c, c, 1.7e308 } };
  NiftiTestFile f1(2, { 5, 4, 3 }, DT_INT16);
  f1.SetSform(1, oblique);
  EXPECT_CONVERSION_ERROR(SeriesGeometry g(ParseFile(f1)), InvalidInput, "beyond the range of float64");

  const Matrix34 metres = { { 0.001, 0, 0, 1e306 }, { 0, 0.001, 0, 0 }, { 0, 0, 0.001, 0 } };
  NiftiTestFile f2(2, { 5, 4, 3 }, DT_INT16);
  f2.SetSform(1, metres);
  f2.xyztUnits = 1;   // NIFTI_UNITS_METER
  EXPECT_CONVERSION_ERROR(SeriesGeometry g(ParseFile(f2)), InvalidInput, "beyond the range of float64");

  // Large but finite everywhere: accepted
  const Matrix34 large = { { 1, 0, 0, 1e300 }, { 0, 1, 0, 1e300 }, { 0, 0, 1, 1e300 } };
  NiftiTestFile f(2, { 5, 4, 3 }, DT_INT16);
  f.SetSform(1, large);
  const SeriesGeometry g(ParseFile(f));
  EXPECT_TRUE(std::isfinite(g.GetSliceLocation(2)));
}
