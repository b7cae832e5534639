#pragma once

#include <array>
#include <cmath>

namespace NiftiToDicom
{
  // A 4x4 affine in row-major order, mapping voxel indices (i, j, k, 1) to
  // NIfTI world coordinates (RAS+, millimetres).
  struct Affine
  {
    std::array<double, 16> m = {{ 1, 0, 0, 0,
                                  0, 1, 0, 0,
                                  0, 0, 1, 0,
                                  0, 0, 0, 1 }};

    double& operator()(int row, int col)
    {
      return m[row * 4 + col];
    }

    double operator()(int row, int col) const
    {
      return m[row * 4 + col];
    }

    bool IsFinite() const
    {
      for (double v : m)
      {
        if (!std::isfinite(v))
        {
          return false;
        }
      }
      return true;
    }

    // World position of the voxel (i, j, k)
    std::array<double, 3> Apply(double i, double j, double k) const
    {
      std::array<double, 3> p;
      for (int r = 0; r < 3; r++)
      {
        p[r] = m[r * 4] * i + m[r * 4 + 1] * j + m[r * 4 + 2] * k + m[r * 4 + 3];
      }
      return p;
    }

    std::array<double, 3> Column(int col) const
    {
      return {{ m[col], m[4 + col], m[8 + col] }};
    }
  };
}
