#include "Contours/VoxelBoundaryTracer.h"

#include <stdexcept>

namespace NiftiToDicom
{
  namespace
  {
    // Directions of an edge, clockwise on screen: a right turn is +1
    enum Direction
    {
      RIGHT = 0,   // +x
      DOWN = 1,    // +y
      LEFT = 2,    // -x
      UP = 3       // -y
    };

    const int32_t DX[4] = { 1, 0, -1, 0 };
    const int32_t DY[4] = { 0, 1, 0, -1 };
  }


  std::vector<VoxelBoundaryTracer::Polygon> VoxelBoundaryTracer::Trace(const std::vector<uint8_t>& mask,
                                                                       int32_t width, int32_t height)
  {
    if (width < 0 || height < 0 || mask.size() != static_cast<size_t>(width) * static_cast<size_t>(height))
    {
      throw std::invalid_argument("The mask does not have width x height values");
    }

    auto inside = [&](int32_t c, int32_t r)
    {
      return c >= 0 && r >= 0 && c < width && r < height && mask[static_cast<size_t>(r) * width + c] != 0;
    };

    // The boundary edges leaving each corner, one bit per direction: the
    // pixel on the right of an edge is inside, the one on its left outside.
    // A corner where two pixels meet diagonally has two edges leaving it.
    const size_t cornersPerRow = static_cast<size_t>(width) + 1;
    std::vector<uint8_t> leaving(cornersPerRow * (static_cast<size_t>(height) + 1), 0);
    auto corner = [&](int32_t x, int32_t y) -> uint8_t&
    {
      return leaving[static_cast<size_t>(y) * cornersPerRow + x];
    };

    size_t edges = 0;
    for (int32_t r = 0; r < height; r++)
    {
      for (int32_t c = 0; c < width; c++)
      {
        if (!inside(c, r))
        {
          continue;
        }
        if (!inside(c, r - 1))
        {
          corner(c, r) |= 1 << RIGHT;          // top side, left to right
          edges++;
        }
        if (!inside(c + 1, r))
        {
          corner(c + 1, r) |= 1 << DOWN;       // right side, downwards
          edges++;
        }
        if (!inside(c, r + 1))
        {
          corner(c + 1, r + 1) |= 1 << LEFT;   // bottom side, right to left
          edges++;
        }
        if (!inside(c - 1, r))
        {
          corner(c, r + 1) |= 1 << UP;         // left side, upwards
          edges++;
        }
      }
    }

    std::vector<Polygon> polygons;
    struct Step
    {
      Corner  from;
      int     direction;
    };
    std::vector<Step> path;
    for (int32_t y = 0; y <= height && edges > 0; y++)
    {
      for (int32_t x = 0; x <= width && edges > 0; x++)
      {
        while (corner(x, y) != 0)
        {
          int first = RIGHT;
          while ((corner(x, y) & (1 << first)) == 0)
          {
            first++;
          }

          // Follow the edges until the path comes back to its first edge.
          // Where two edges leave a corner (pixels meeting diagonally), a
          // right turn (towards the pixel inside) goes before straight on,
          // before a left turn: the path stays around its own pixel, and
          // each edge arriving at a corner pairs with one edge leaving it
          path.clear();
          int32_t cx = x, cy = y;
          int direction = first;
          for (;;)
          {
            corner(cx, cy) &= static_cast<uint8_t>(~(1 << direction));
            edges--;
            path.push_back({ { cx, cy }, direction });
            cx += DX[direction];
            cy += DY[direction];

            uint8_t available = corner(cx, cy);
            const bool atStart = (cx == x && cy == y);
            if (atStart)
            {
              available |= static_cast<uint8_t>(1 << first);
            }
            int next = -1;
            for (int turn : { 1, 0, 3 })
            {
              const int candidate = (direction + turn) % 4;
              if (available & (1 << candidate))
              {
                next = candidate;
                break;
              }
            }
            if (next < 0)
            {
              throw std::logic_error("Open boundary while tracing a mask");   // cannot happen: in and out edges match
            }
            if (atStart && next == first)
            {
              break;
            }
            direction = next;
          }

          // A vertex where the direction changes (the path is a cycle)
          Polygon polygon;
          for (size_t i = 0; i < path.size(); i++)
          {
            if (path[i].direction != path[(i + path.size() - 1) % path.size()].direction)
            {
              polygon.push_back(path[i].from);
            }
          }
          polygons.push_back(std::move(polygon));
        }
      }
    }

    return polygons;
  }
}
