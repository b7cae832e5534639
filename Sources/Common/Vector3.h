#pragma once

#include <array>
#include <cmath>

namespace NiftiToDicom
{
  // A point or direction in patient space (mm)
  typedef std::array<double, 3> Vector3;

  namespace Vectors
  {
    inline double Dot(const Vector3& a, const Vector3& b)
    {
      return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    }

    inline Vector3 Cross(const Vector3& a, const Vector3& b)
    {
      return {{ a[1] * b[2] - a[2] * b[1],
                a[2] * b[0] - a[0] * b[2],
                a[0] * b[1] - a[1] * b[0] }};
    }

    inline double Norm(const Vector3& a)
    {
      return std::sqrt(Dot(a, a));
    }

    inline Vector3 Scale(const Vector3& a, double s)
    {
      return {{ a[0] * s, a[1] * s, a[2] * s }};
    }

    inline Vector3 Add(const Vector3& a, const Vector3& b)
    {
      return {{ a[0] + b[0], a[1] + b[1], a[2] + b[2] }};
    }

    // The unit vector along "a", or (0, 0, 0) for a null or non-finite one
    inline Vector3 Normalize(const Vector3& a)
    {
      const double norm = Norm(a);
      if (!(norm > 0) || !std::isfinite(norm))
      {
        return {{ 0, 0, 0 }};
      }
      return Scale(a, 1.0 / norm);
    }
  }
}
