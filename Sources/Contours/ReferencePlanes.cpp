#include "Contours/ReferencePlanes.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomValues.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace NiftiToDicom
{
  using namespace Vectors;

  namespace
  {
    Vector3 Position(const double p[3])
    {
      return {{ p[0], p[1], p[2] }};
    }

    std::string Millimetres(double value)
    {
      return DicomValues::FormatDecimal(std::round(value * 100) / 100) + " mm";
    }

    // Where the point lies in the plane of the reference's first image, in
    // mm along its rows (u) and columns (v)
    struct InPlane
    {
      double uLow = 1e300, uHigh = -1e300, vLow = 1e300, vHigh = -1e300;

      void Add(double u, double v)
      {
        uLow = std::min(uLow, u);
        uHigh = std::max(uHigh, u);
        vLow = std::min(vLow, v);
        vHigh = std::max(vHigh, v);
      }

      bool Overlaps(const InPlane& other) const
      {
        return uLow < other.uHigh && other.uLow < uHigh && vLow < other.vHigh && other.vLow < vHigh;
      }
    };

    ConversionError NotInSpace(const std::string& why)
    {
      return ConversionError(ErrorKind::InvalidInput,
                             "An RT Structure Set draws its contours on the images of \"ReferenceSeries\", but " +
                             why);
    }
  }


  Vector3 ReferencePlanes::GetNormal(const ReferenceSeries& reference)
  {
    const Vector3 row = {{ reference.orientation[0], reference.orientation[1], reference.orientation[2] }};
    const Vector3 column = {{ reference.orientation[3], reference.orientation[4], reference.orientation[5] }};
    return Normalize(Cross(row, column));
  }


  std::vector<ReferencePlanes::Plane> ReferencePlanes::Map(const SeriesGeometry& labelMap,
                                                           const ReferenceSeries& reference,
                                                           std::vector<std::string>& warnings)
  {
    if (labelMap.GetSource() == SeriesGeometry::Source::VoxelSizes)
    {
      throw NotInSpace("the label map has no sform nor qform: its position in the patient is unknown. Save it "
                       "with the transform of the image it was drawn on");
    }
    if (labelMap.GetXformCode() > 2)
    {
      throw NotInSpace("the label map is in a template space (" + std::string(labelMap.GetSourceName()) +
                       " code " + std::to_string(labelMap.GetXformCode()) + "), not in the scanner space of the "
                       "reference (code 1): resample it onto the reference's images first");
    }
    if (reference.frameOfReferenceUid.empty())
    {
      throw NotInSpace("the reference series has no FrameOfReferenceUID: choose a CT or MR series as reference");
    }

    std::vector<size_t> positioned;
    for (size_t i = 0; i < reference.images.size(); i++)
    {
      if (reference.images[i].hasPosition)
      {
        positioned.push_back(i);
      }
    }
    const Vector3 normal = GetNormal(reference);
    if (!reference.hasGeometry || positioned.empty() || Dot(normal, normal) == 0)
    {
      throw NotInSpace("its images have no ImagePositionPatient, ImageOrientationPatient, PixelSpacing, Rows or "
                       "Columns: choose a series of single-frame CT or MR images as reference");
    }

    // A series of planes in several orientations (a localizer) has no one normal
    for (size_t i : positioned)
    {
      const ReferencedImage& image = reference.images[i];
      if (image.hasOrientation)
      {
        const Vector3 row = {{ image.orientation[0], image.orientation[1], image.orientation[2] }};
        const Vector3 column = {{ image.orientation[3], image.orientation[4], image.orientation[5] }};
        const Vector3 cross = Cross(normal, Normalize(Cross(row, column)));
        if (!(Dot(cross, cross) <= PARALLEL_TOLERANCE * PARALLEL_TOLERANCE))
        {
          throw NotInSpace("its images are not all parallel (a localizer?): choose a series of parallel slices");
        }
      }
    }

    const double sine = std::sqrt(Dot(Cross(normal, labelMap.GetNormal()), Cross(normal, labelMap.GetNormal())));
    if (!(sine <= PARALLEL_TOLERANCE))
    {
      throw NotInSpace("the slices of the label map are not parallel to them (" +
                       DicomValues::FormatDecimal(std::round(std::asin(std::min(1.0, sine)) * 1800 / M_PI) / 10) +
                       " degrees apart): resample the label map onto the reference's images, or choose the series "
                       "it was drawn on");
    }

    // The label map's slices along the reference's normal
    const int64_t depth = labelMap.GetSlices();
    const double first = Dot(labelMap.GetSlicePosition(0), normal);
    const double step = (depth > 1) ? Dot(labelMap.GetSlicePosition(1), normal) - first :
      labelMap.GetSliceSpacing();
    const double halfSlab = std::fabs(step) / 2 + 1e-3;   // 1 micrometre for rounding

    // The reference's planes, one per distinct position
    std::vector<std::pair<double, size_t> > byDistance;
    for (size_t i : positioned)
    {
      byDistance.push_back(std::make_pair(Dot(Position(reference.images[i].position), normal), i));
    }
    std::stable_sort(byDistance.begin(), byDistance.end(),
                     [](const std::pair<double, size_t>& a, const std::pair<double, size_t>& b)
                     {
                       return a.first < b.first;
                     });

    std::vector<Plane> planes;
    std::set<int64_t> shown;
    double previous = -1e300;
    for (const std::pair<double, size_t>& image : byDistance)
    {
      if (image.first - previous < 1e-3)
      {
        continue;   // another image of the same plane (another echo or time point)
      }
      previous = image.first;

      const double index = (step != 0) ? (image.first - first) / step : 0;
      const int64_t k = static_cast<int64_t>(std::llround(std::max(-1.0, std::min(static_cast<double>(depth), index))));
      if (k >= 0 && k < depth && std::fabs(image.first - (first + k * step)) <= halfSlab)
      {
        planes.push_back({ image.second, k, image.first });
        shown.insert(k);
      }
    }

    const double labelLow = std::min(first, first + (depth - 1) * step) - std::fabs(step) / 2;
    const double labelHigh = std::max(first, first + (depth - 1) * step) + std::fabs(step) / 2;
    if (planes.empty())
    {
      throw NotInSpace("none of its images crosses the label map: along their normal the label map lies from " +
                       Millimetres(labelLow) + " to " + Millimetres(labelHigh) + ", the reference's images from " +
                       Millimetres(byDistance.front().first) + " to " + Millimetres(byDistance.back().first) +
                       ". Check that the label map was drawn on this series");
    }

    // In the plane: the label map's voxels against the reference's pixels
    const Vector3 origin = Position(reference.images[positioned[0]].position);
    const Vector3 u = {{ reference.orientation[0], reference.orientation[1], reference.orientation[2] }};
    const Vector3 v = {{ reference.orientation[3], reference.orientation[4], reference.orientation[5] }};
    InPlane image, labels;
    image.Add(-reference.pixelSpacing[1] / 2, -reference.pixelSpacing[0] / 2);
    image.Add((reference.columns - 0.5) * reference.pixelSpacing[1], (reference.rows - 0.5) * reference.pixelSpacing[0]);
    const Vector3 slice0 = labelMap.GetSlicePosition(0);
    for (double c : { -0.5, labelMap.GetColumns() - 0.5 })
    {
      for (double r : { -0.5, labelMap.GetRows() - 0.5 })
      {
        Vector3 corner;
        for (int i = 0; i < 3; i++)
        {
          corner[i] = slice0[i] + c * labelMap.GetColumnSpacing() * labelMap.GetRowDirection()[i] +
            r * labelMap.GetRowSpacing() * labelMap.GetColumnDirection()[i] - origin[i];
        }
        labels.Add(Dot(corner, u), Dot(corner, v));
      }
    }
    if (!labels.Overlaps(image))
    {
      throw NotInSpace("the label map lies beside its images (they share no point in their plane). Check that the "
                       "label map was drawn on this series");
    }

    // What the structure set cannot show: it has contours on the
    // reference's planes only
    int64_t between = 0, beyond = 0;
    const double referenceLow = byDistance.front().first, referenceHigh = byDistance.back().first;
    for (int64_t k = 0; k < depth; k++)
    {
      if (shown.count(k) == 0)
      {
        const double d = first + k * step;
        if (d + halfSlab < referenceLow || d - halfSlab > referenceHigh)
        {
          beyond++;
        }
        else
        {
          between++;
        }
      }
    }
    if (between > 0)
    {
      warnings.push_back(std::to_string(between) + " of the " + std::to_string(depth) + " slices of the label map "
                         "lie between the reference's images, where an RT Structure Set has no contour: what the "
                         "label map holds there only shows where it reaches a slice on an image");
    }
    if (beyond > 0)
    {
      warnings.push_back(std::to_string(beyond) + " of the " + std::to_string(depth) + " slices of the label map "
                         "lie beyond the reference's first or last image and have no contour");
    }
    if (labelMap.GetXformCode() == 2)
    {
      warnings.push_back("The label map's " + std::string(labelMap.GetSourceName()) + " code is 2 (aligned to "
                         "another image), not 1 (scanner): it was taken to be in the reference's scanner space, "
                         "which it overlaps");
    }

    return planes;
  }
}
