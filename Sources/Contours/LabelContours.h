#pragma once

#include "Contours/ReferencePlanes.h"
#include "Nifti/NiftiVolume.h"
#include "Plan/SeriesGeometry.h"
#include "Plan/SeriesLimits.h"

#include <cstdint>
#include <vector>

namespace NiftiToDicom
{
  // The contours of every label of a label map on the planes of a reference
  // series: for each plane, the label-map slice it shows is traced along its
  // voxel edges (VoxelBoundaryTracer), and each polygon is placed on the
  // plane in patient coordinates.
  class LabelContours
  {
  public:
    struct Contour
    {
      size_t               plane;    // index in the planes given
      std::vector<double>  points;   // x, y, z of each vertex, LPS, mm
    };

    struct Roi
    {
      int64_t               label;
      std::vector<Contour>  contours;   // by plane, then in raster order of the slice
    };

    // Labels by increasing value; only those present on a slice that a plane
    // shows. Throws ConversionError: InvalidInput for values that are not
    // labels (whole numbers from 0 to 65535), Unsupported for a 4D volume,
    // TooLarge beyond MaximumSegments labels, MaximumFrames contours or
    // MaximumSegmentationSize MB of contour data.
    static std::vector<Roi> Extract(const NiftiVolume& volume, const SeriesGeometry& geometry,
                                    const std::vector<ReferencePlanes::Plane>& planes, const Vector3& normal,
                                    const SeriesLimits& limits);

    // Bytes a point takes in ContourData at most (3 values of up to 16
    // characters and their separators): what the limits count
    static constexpr uint64_t BYTES_PER_POINT = 51;
  };
}
