#pragma once

#include "Plan/SeriesGeometry.h"
#include "Plan/SeriesOptions.h"

#include <string>
#include <vector>

namespace NiftiToDicom
{
  // The slice planes of a reference series on which an RT Structure Set
  // draws the contours of a label map, and the slice of the label map each
  // one shows.
  //
  // The label map must lie in the reference's scanner space with its slices
  // parallel to the reference's images (any in-plane axis order, flips,
  // rotation, oblique, left-handed, anisotropic). Each reference plane takes
  // the label-map slice whose slab (its centre plus or minus half the slice
  // spacing) holds it: nearest-neighbour sampling across slices. Within the
  // plane the contours follow the label map's own voxel edges, so nothing is
  // resampled there.
  class ReferencePlanes
  {
  public:
    struct Plane
    {
      size_t   image;      // index in ReferenceSeries::images: the image the contours lie on
      int64_t  slice;      // the label-map slice shown on it
      double   distance;   // of the plane from the origin, along the reference's normal (mm)
    };

    // Largest |sin| of the angle between the label map's slices and the
    // reference's images (about 0.06 degree)
    static constexpr double PARALLEL_TOLERANCE = 1e-3;

    // The planes that show a slice of the label map, by increasing
    // distance, one per distinct position (the first image there). Throws
    // ConversionError(InvalidInput) when the label map is not in the
    // reference's space or misses its images; "warnings" receives what the
    // structure set will not show (label-map slices between or beyond the
    // reference's).
    static std::vector<Plane> Map(const SeriesGeometry& labelMap, const ReferenceSeries& reference,
                                  std::vector<std::string>& warnings);

    // The unit normal of the reference's images (row x column direction, LPS)
    static Vector3 GetNormal(const ReferenceSeries& reference);
  };
}
