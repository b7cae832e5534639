#pragma once

#include <cstdint>
#include <vector>

namespace NiftiToDicom
{
  // The exact outline of a binary mask, along the edges of its pixels.
  //
  // Why our own tracer rather than a library: an RT Structure Set must put
  // its contours on the voxel boundaries of the label map, so that a planning
  // system that rasterises them (pixel centres inside the polygon) gets the
  // label map back voxel for voxel. OpenCV's findContours traces the centres
  // of the border pixels (a one-voxel island becomes a point, every structure
  // shrinks by half a voxel), and ITK's ContourExtractor2DImageFilter and
  // VTK's flying edges interpolate iso-lines between pixel centres (corners
  // cut at 45 degrees): turning either into voxel edges would take more code
  // than following the edges directly, and would add a large dependency. An
  // edge-following tracer is about 100 lines, exact by construction, and
  // unit-tested (UnitTests/VoxelBoundaryTracerTests.cpp).
  //
  // Coordinates are those of pixel corners: pixel (c, r) is the square
  // [c, c + 1] x [r, r + 1]. Every boundary (outer or around a hole) is a
  // separate closed polygon (no keyhole), with a vertex only where it turns.
  // Outer boundaries run clockwise and holes counter-clockwise as seen on
  // screen (rows downwards): the pixels inside are on the right. Pixels
  // that touch only at a corner belong to separate polygons (4-connected
  // regions), which touch at that corner. Filling each polygon and combining
  // them by exclusive or (even-odd) gives the mask back exactly.
  class VoxelBoundaryTracer
  {
  public:
    struct Corner
    {
      int32_t x;   // column of the corner, 0 to width
      int32_t y;   // row of the corner, 0 to height
    };

    typedef std::vector<Corner> Polygon;

    // "mask" holds width x height values, row after row; non-zero is inside.
    // Polygons come in the order of their first edge in raster order.
    static std::vector<Polygon> Trace(const std::vector<uint8_t>& mask, int32_t width, int32_t height);
  };
}
