#include "Plan/ReferenceRegion.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace NiftiToDicom
{
  namespace
  {
    const double HUGE_COORDINATE = 1e30;


    Vector3 Plus(const Vector3& a, const Vector3& b, double s)
    {
      return {{ a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2] }};
    }

    // The first value of "key" in "tags", at the top level first, then in
    // the items of its sequences (depth first)
    const Json::Value* FindFirst(const Json::Value& tags, const char* key, int depth = 0)
    {
      if (!tags.isObject() || depth > 8)
      {
        return nullptr;
      }
      if (tags.isMember(key))
      {
        return &tags[key];
      }
      for (Json::Value::const_iterator it = tags.begin(); it != tags.end(); ++it)
      {
        if (it->isArray())
        {
          for (const Json::Value& item : *it)
          {
            const Json::Value* found = FindFirst(item, key, depth + 1);
            if (found != nullptr)
            {
              return found;
            }
          }
        }
      }
      return nullptr;
    }

    // Every ImagePositionPatient of "tags" and of the items of its sequences:
    // per frame (PlanePositionSequence) or per slice of a vendor's own sequence
    void CollectPositions(std::vector<Vector3>& positions, const Json::Value& tags, int depth = 0)
    {
      if (!tags.isObject() || depth > 8)
      {
        return;
      }
      const std::vector<double> p = ReferenceRegion::ParseDecimals(tags["ImagePositionPatient"]);
      if (p.size() == 3)
      {
        positions.push_back({{ p[0], p[1], p[2] }});
      }
      for (Json::Value::const_iterator it = tags.begin(); it != tags.end(); ++it)
      {
        if (it->isArray())
        {
          for (const Json::Value& item : *it)
          {
            CollectPositions(positions, item, depth + 1);
          }
        }
      }
    }

    double ParseNumber(const Json::Value& tags, const char* key)
    {
      const std::vector<double> values = ReferenceRegion::ParseDecimals(tags[key]);
      return values.size() == 1 ? values[0] : 0;
    }

    bool IsMosaic(const Json::Value& tags)
    {
      return ("\\" + tags["ImageType"].asString() + "\\").find("\\MOSAIC\\") != std::string::npos;
    }

    int GetMosaicImages(const Json::Value& tags)
    {
      const double byName = ParseNumber(tags, "NumberOfImagesInMosaic");
      const double byTag = ParseNumber(tags, "0019,100a");
      const double count = byName > 0 ? byName : byTag;
      return count >= 1 && count <= 65535 ? static_cast<int>(count) : 0;
    }
  }


  ReferenceRegion::ReferenceRegion() :
    low_({{ HUGE_COORDINATE, HUGE_COORDINATE, HUGE_COORDINATE }}),
    high_({{ -HUGE_COORDINATE, -HUGE_COORDINATE, -HUGE_COORDINATE }})
  {
  }


  void ReferenceRegion::Add(const Vector3& point)
  {
    for (int i = 0; i < 3; i++)
    {
      low_[i] = std::min(low_[i], point[i]);
      high_[i] = std::max(high_[i], point[i]);
    }
    empty_ = false;
  }


  void ReferenceRegion::AddPlane(const Vector3& origin, const Vector3& x, const Vector3& y, double rowSpacing,
                                 double columnSpacing, double rows, double columns)
  {
    for (double c : { 0.0, std::max(columns - 1, 0.0) })
    {
      for (double r : { 0.0, std::max(rows - 1, 0.0) })
      {
        Add(Plus(Plus(origin, x, c * columnSpacing), y, r * rowSpacing));
      }
    }
  }


  bool ReferenceRegion::AddInstance(const Json::Value& tags)
  {
    const Json::Value* orientationValue = FindFirst(tags, "ImageOrientationPatient");
    const Json::Value* spacingValue = FindFirst(tags, "PixelSpacing");
    if (orientationValue == nullptr || spacingValue == nullptr)
    {
      return false;
    }
    const std::vector<double> o = ReferenceRegion::ParseDecimals(*orientationValue);
    const std::vector<double> spacing = ReferenceRegion::ParseDecimals(*spacingValue);
    const double rows = ParseNumber(tags, "Rows");
    const double columns = ParseNumber(tags, "Columns");
    if (o.size() != 6 || spacing.size() != 2 || rows < 1 || columns < 1)
    {
      return false;
    }
    const Vector3 x = {{ o[0], o[1], o[2] }};
    const Vector3 y = {{ o[3], o[4], o[5] }};

    std::vector<Vector3> positions;
    CollectPositions(positions, tags);
    if (positions.empty())
    {
      return false;
    }

    const int mosaicImages = IsMosaic(tags) ? GetMosaicImages(tags) : 0;
    if (positions.size() == 1 && mosaicImages > 0)
    {
      // Siemens: the position is that of the grid of tiles, whose centre is
      // the centre of the slices; the slices follow each other along the
      // normal, whose sign only the vendor's private header knows
      const double tiles = std::ceil(std::sqrt(static_cast<double>(mosaicImages)));
      const double tileRows = std::floor(rows / tiles);
      const double tileColumns = std::floor(columns / tiles);
      const Vector3 first = Plus(Plus(positions[0], x, (columns - tileColumns) / 2 * spacing[1]),
                                 y, (rows - tileRows) / 2 * spacing[0]);
      const Vector3 normal = {{ x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0] }};
      double step = ParseNumber(tags, "SpacingBetweenSlices");
      if (step <= 0)
      {
        step = ParseNumber(tags, "SliceThickness");
      }
      const double extent = std::max(step, 0.0) * (mosaicImages - 1);
      for (double s : { -extent, 0.0, extent })
      {
        AddPlane(Plus(first, normal, s), x, y, spacing[0], spacing[1], tileRows, tileColumns);
      }
      return true;
    }

    for (const Vector3& position : positions)
    {
      AddPlane(position, x, y, spacing[0], spacing[1], rows, columns);
    }
    return true;
  }


  bool ReferenceRegion::Overlaps(const SeriesGeometry& geometry, double tolerance) const
  {
    if (empty_)
    {
      return false;
    }

    // The corners of the voxel grid of the NIfTI
    ReferenceRegion nifti;
    for (int64_t k : { static_cast<int64_t>(0), geometry.GetSlices() - 1 })
    {
      nifti.AddPlane(geometry.GetSlicePosition(k), geometry.GetRowDirection(), geometry.GetColumnDirection(),
                     geometry.GetRowSpacing(), geometry.GetColumnSpacing(),
                     static_cast<double>(geometry.GetRows()), static_cast<double>(geometry.GetColumns()));
    }

    for (int i = 0; i < 3; i++)
    {
      if (high_[i] + tolerance < nifti.low_[i] || nifti.high_[i] + tolerance < low_[i])
      {
        return false;
      }
    }
    return true;
  }


  std::vector<double> ReferenceRegion::ParseDecimals(const Json::Value& value)
  {
    std::vector<double> values;
    if (!value.isString())
    {
      return values;
    }
    std::stringstream stream(value.asString());
    std::string item;
    while (std::getline(stream, item, '\\'))
    {
      char* end = nullptr;
      const double number = strtod(item.c_str(), &end);
      if (end == item.c_str() || !std::isfinite(number) || std::fabs(number) > HUGE_COORDINATE)
      {
        return std::vector<double>();
      }
      values.push_back(number);
    }
    return values;
  }
}
