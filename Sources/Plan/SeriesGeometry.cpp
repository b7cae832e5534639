#include "Plan/SeriesGeometry.h"

#include "Common/ConversionError.h"

#include <cmath>
#include <sstream>

namespace NiftiToDicom
{
  using namespace Vectors;

  namespace
  {
    Vector3 RasToLps(const Vector3& v)
    {
      return {{ -v[0], -v[1], v[2] }};
    }

    std::string FormatDegrees(double cosineOrSine)
    {
      std::ostringstream s;
      s.precision(3);
      s << std::asin(std::min(1.0, std::fabs(cosineOrSine))) * 180.0 / M_PI;
      return s.str();
    }

    bool IsUsableSpacing(double v)
    {
      return std::isfinite(v) && v > 0;
    }
  }


  SeriesGeometry::Transform SeriesGeometry::ChooseTransform(const NiftiHeader& header)
  {
    Transform result;

    if (header.sformCode > 0)
    {
      if (header.sform.IsFinite())
      {
        result.source = Source::Sform;
        result.xformCode = header.sformCode;
        result.affine = header.sform;
        return result;
      }
      result.warnings.push_back("The sform of the NIfTI header contains NaN or infinite values and was ignored");
    }

    if (header.qformCode > 0)
    {
      if (header.qform.IsFinite())
      {
        result.source = Source::Qform;
        result.xformCode = header.qformCode;
        result.affine = header.qform;
        return result;
      }
      result.warnings.push_back("The qform of the NIfTI header contains NaN or infinite values and was ignored");
    }

    // NIfTI "method 1": voxel sizes only, no orientation information
    result.source = Source::VoxelSizes;
    result.xformCode = 0;
    result.affine = Affine();
    for (int axis = 0; axis < 3; axis++)
    {
      double spacing = header.pixdim[axis + 1];
      if (!IsUsableSpacing(spacing))
      {
        result.warnings.push_back("pixdim[" + std::to_string(axis + 1) + "] is not a positive number; 1 mm was used");
        spacing = 1;
      }
      result.affine(axis, axis) = spacing;
    }
    result.warnings.push_back("The NIfTI header has neither sform nor qform (both codes are 0): the series has the "
                              "right voxel sizes, but its position and orientation in the patient are unknown and "
                              "it cannot be registered with the parent study's images");
    return result;
  }


  SeriesGeometry::SeriesGeometry(const NiftiHeader& header) :
    columns_(header.GetSize(1)),
    rows_(header.GetSize(2)),
    slices_(header.GetSize(3))
  {
    Transform transform = ChooseTransform(header);
    source_ = transform.source;
    xformCode_ = transform.xformCode;
    affine_ = transform.affine;
    warnings_.swap(transform.warnings);

    const double unitScale = header.GetSpatialUnitScale();
    if (unitScale != 1.0)
    {
      for (int r = 0; r < 3; r++)
      {
        for (int c = 0; c < 4; c++)
        {
          affine_(r, c) *= unitScale;
        }
      }
      warnings_.push_back(std::string("The NIfTI spatial unit is ") +
                          (unitScale > 1 ? "metres" : "micrometres") + "; coordinates were converted to millimetres");
    }

    const Vector3 colI = affine_.Column(0);
    const Vector3 colJ = affine_.Column(1);
    const Vector3 colK = affine_.Column(2);

    columnSpacing_ = Norm(colI);
    rowSpacing_ = Norm(colJ);
    const double kLength = Norm(colK);
    if (!IsUsableSpacing(columnSpacing_) || !IsUsableSpacing(rowSpacing_) || !IsUsableSpacing(kLength))
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            std::string("The NIfTI ") + GetSourceName() +
                            " gives a zero voxel size along one axis, so the volume cannot be placed in space; "
                            "fix the header's transform");
    }

    // Row direction: along i. Column direction: along -j, since rows are flipped.
    Vector3 x = RasToLps(Scale(colI, 1.0 / columnSpacing_));
    Vector3 y = RasToLps(Scale(colJ, -1.0 / rowSpacing_));

    const double inPlaneCos = Dot(x, y);
    if (std::fabs(inPlaneCos) > SHEAR_TOLERANCE)
    {
      throw ConversionError(ErrorKind::Unsupported,
                            "The NIfTI " + std::string(GetSourceName()) + " is sheared in-plane: its first two axes are " +
                            FormatDegrees(inPlaneCos) + " degrees away from perpendicular, which DICOM cannot represent; "
                            "resample the volume onto an orthogonal grid first");
    }

    // Remove float32 rounding so that IOP is exactly orthonormal:
    // split the small residual angle evenly between both directions.
    if (inPlaneCos != 0)
    {
      const Vector3 xFixed = Add(x, Scale(y, -inPlaneCos / 2));
      const Vector3 yFixed = Add(y, Scale(x, -inPlaneCos / 2));
      x = Scale(xFixed, 1.0 / Norm(xFixed));
      y = Scale(yFixed, 1.0 / Norm(yFixed));
    }

    rowDirection_ = x;
    columnDirection_ = y;
    normal_ = Cross(x, y);

    const Vector3 kLps = RasToLps(colK);
    const double alongNormal = Dot(kLps, normal_);
    const double throughPlaneSin = std::sqrt(std::max(0.0, 1.0 - (alongNormal / kLength) * (alongNormal / kLength)));
    if (throughPlaneSin > SHEAR_TOLERANCE)
    {
      throw ConversionError(ErrorKind::Unsupported,
                            "The NIfTI " + std::string(GetSourceName()) + " is sheared through-plane: the slice axis is " +
                            FormatDegrees(throughPlaneSin) + " degrees away from the normal of the slices, which most "
                            "DICOM readers ignore; resample the volume onto an orthogonal grid first");
    }

    sliceSpacing_ = std::fabs(alongNormal);

    // The positions written as DS must be finite: an origin near 1e308, or
    // metres scaled to mm, can overflow. The corners bound every voxel.
    for (int corner = 0; corner < 8; corner++)
    {
      const Vector3 p = RasToLps(affine_.Apply((corner & 1) ? static_cast<double>(columns_ - 1) : 0,
                                               (corner & 2) ? static_cast<double>(rows_ - 1) : 0,
                                               (corner & 4) ? static_cast<double>(slices_ - 1) : 0));
      if (!std::isfinite(p[0]) || !std::isfinite(p[1]) || !std::isfinite(p[2]) || !std::isfinite(Dot(p, normal_)) ||
          !std::isfinite(sliceSpacing_))
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              std::string("The NIfTI ") + GetSourceName() + " places voxels beyond the range of "
                              "float64 coordinates; fix the header's transform");
      }
    }
  }


  const char* SeriesGeometry::GetSourceName(Source source)
  {
    switch (source)
    {
      case Source::Sform:
        return "sform";
      case Source::Qform:
        return "qform";
      default:
        return "voxel sizes";
    }
  }


  Vector3 SeriesGeometry::GetSlicePosition(int64_t k) const
  {
    // The first pixel of each DICOM slice is voxel (0, ny-1, k)
    return RasToLps(affine_.Apply(0, static_cast<double>(rows_ - 1), static_cast<double>(k)));
  }


  double SeriesGeometry::GetSliceLocation(int64_t k) const
  {
    return Dot(GetSlicePosition(k), normal_);
  }
}
