// The voxel-edge tracer behind the RT Structure Set's contours: exact
// polygons for known shapes, and for any mask, polygons that give the mask
// back when filled by the even-odd rule at pixel centres (what planning
// systems and plastimatch do).

#include "Contours/VoxelBoundaryTracer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

using namespace NiftiToDicom;

namespace
{
  typedef VoxelBoundaryTracer::Polygon Polygon;

  struct Mask
  {
    int32_t               width;
    int32_t               height;
    std::vector<uint8_t>  values;
  };

  // Rows of '#' (inside) and '.' (outside)
  Mask Parse(const std::vector<std::string>& rows)
  {
    Mask mask;
    mask.height = static_cast<int32_t>(rows.size());
    mask.width = static_cast<int32_t>(rows[0].size());
    for (const std::string& row : rows)
    {
      for (char c : row)
      {
        mask.values.push_back(c == '#' ? 1 : 0);
      }
    }
    return mask;
  }

  std::vector<Polygon> Trace(const Mask& mask)
  {
    return VoxelBoundaryTracer::Trace(mask.values, mask.width, mask.height);
  }

  // Whether the centre of pixel (c, r) is inside "polygon" (crossing number)
  bool ContainsCentre(const Polygon& polygon, int32_t c, int32_t r)
  {
    const double px = c + 0.5, py = r + 0.5;
    bool inside = false;
    for (size_t i = 0; i < polygon.size(); i++)
    {
      const VoxelBoundaryTracer::Corner& a = polygon[i];
      const VoxelBoundaryTracer::Corner& b = polygon[(i + 1) % polygon.size()];
      if ((a.y > py) != (b.y > py))
      {
        const double x = a.x + (py - a.y) * (b.x - a.x) / static_cast<double>(b.y - a.y);
        if (px < x)
        {
          inside = !inside;
        }
      }
    }
    return inside;
  }

  // Even-odd fill of every polygon, pixel by pixel
  std::vector<uint8_t> Fill(const std::vector<Polygon>& polygons, int32_t width, int32_t height)
  {
    std::vector<uint8_t> filled(static_cast<size_t>(width) * height, 0);
    for (const Polygon& polygon : polygons)
    {
      for (int32_t r = 0; r < height; r++)
      {
        for (int32_t c = 0; c < width; c++)
        {
          if (ContainsCentre(polygon, c, r))
          {
            filled[static_cast<size_t>(r) * width + c] ^= 1;
          }
        }
      }
    }
    return filled;
  }

  // Twice the signed area on screen (rows downwards): positive is clockwise
  int64_t SignedArea2(const Polygon& polygon)
  {
    int64_t sum = 0;
    for (size_t i = 0; i < polygon.size(); i++)
    {
      const VoxelBoundaryTracer::Corner& a = polygon[i];
      const VoxelBoundaryTracer::Corner& b = polygon[(i + 1) % polygon.size()];
      sum += static_cast<int64_t>(a.x) * b.y - static_cast<int64_t>(b.x) * a.y;
    }
    return sum;
  }

  // Every edge is horizontal or vertical, and every vertex is a turn
  void ExpectRectilinearTurns(const Polygon& polygon)
  {
    ASSERT_GE(polygon.size(), 4u);
    ASSERT_EQ(0u, polygon.size() % 2);
    for (size_t i = 0; i < polygon.size(); i++)
    {
      const VoxelBoundaryTracer::Corner& a = polygon[(i + polygon.size() - 1) % polygon.size()];
      const VoxelBoundaryTracer::Corner& b = polygon[i];
      const VoxelBoundaryTracer::Corner& c = polygon[(i + 1) % polygon.size()];
      const bool inHorizontal = (a.y == b.y && a.x != b.x);
      const bool inVertical = (a.x == b.x && a.y != b.y);
      const bool outHorizontal = (b.y == c.y && b.x != c.x);
      const bool outVertical = (b.x == c.x && b.y != c.y);
      EXPECT_TRUE((inHorizontal && outVertical) || (inVertical && outHorizontal)) << "vertex " << i;
    }
  }

  void ExpectExactOutline(const Mask& mask, size_t expectedPolygons)
  {
    const std::vector<Polygon> polygons = Trace(mask);
    EXPECT_EQ(expectedPolygons, polygons.size());
    for (const Polygon& polygon : polygons)
    {
      ExpectRectilinearTurns(polygon);
    }
    EXPECT_EQ(mask.values, Fill(polygons, mask.width, mask.height));
  }

  std::vector<int32_t> Flatten(const Polygon& polygon)
  {
    std::vector<int32_t> xy;
    for (const VoxelBoundaryTracer::Corner& corner : polygon)
    {
      xy.push_back(corner.x);
      xy.push_back(corner.y);
    }
    return xy;
  }
}


TEST(VoxelBoundaryTracer, OneVoxelIsAFourPointSquare)
{
  const std::vector<Polygon> polygons = Trace(Parse({ "...", ".#.", "..." }));
  ASSERT_EQ(1u, polygons.size());
  // On the voxel's edges, clockwise on screen from its top-left corner
  EXPECT_EQ(std::vector<int32_t>({ 1, 1, 2, 1, 2, 2, 1, 2 }), Flatten(polygons[0]));
}


TEST(VoxelBoundaryTracer, SquareAtTheBorderOfTheImage)
{
  const std::vector<Polygon> polygons = Trace(Parse({ "##.", "##.", "..." }));
  ASSERT_EQ(1u, polygons.size());
  EXPECT_EQ(std::vector<int32_t>({ 0, 0, 2, 0, 2, 2, 0, 2 }), Flatten(polygons[0]));

  const Mask full = Parse({ "###", "###" });
  const std::vector<Polygon> whole = Trace(full);
  ASSERT_EQ(1u, whole.size());
  EXPECT_EQ(std::vector<int32_t>({ 0, 0, 3, 0, 3, 2, 0, 2 }), Flatten(whole[0]));
}


TEST(VoxelBoundaryTracer, HoleIsASeparateCounterClockwisePolygon)
{
  const Mask mask = Parse({ ".....",
                            ".###.",
                            ".#.#.",
                            ".###.",
                            "....." });
  const std::vector<Polygon> polygons = Trace(mask);
  ASSERT_EQ(2u, polygons.size());
  EXPECT_EQ(std::vector<int32_t>({ 1, 1, 4, 1, 4, 4, 1, 4 }), Flatten(polygons[0]));
  EXPECT_EQ(std::vector<int32_t>({ 2, 2, 2, 3, 3, 3, 3, 2 }), Flatten(polygons[1]));
  EXPECT_GT(SignedArea2(polygons[0]), 0);   // outer: clockwise
  EXPECT_LT(SignedArea2(polygons[1]), 0);   // hole: counter-clockwise
  EXPECT_EQ(mask.values, Fill(polygons, mask.width, mask.height));
}


TEST(VoxelBoundaryTracer, IslandInsideAHoleInsideAnIsland)
{
  ExpectExactOutline(Parse({ "#######",
                             "#.....#",
                             "#.###.#",
                             "#.#.#.#",
                             "#.###.#",
                             "#.....#",
                             "#######" }), 4);
}


TEST(VoxelBoundaryTracer, TwoIslands)
{
  const std::vector<Polygon> polygons = Trace(Parse({ "#...", "...#", "...#" }));
  ASSERT_EQ(2u, polygons.size());
  EXPECT_EQ(std::vector<int32_t>({ 0, 0, 1, 0, 1, 1, 0, 1 }), Flatten(polygons[0]));
  EXPECT_EQ(std::vector<int32_t>({ 3, 1, 4, 1, 4, 3, 3, 3 }), Flatten(polygons[1]));
}


TEST(VoxelBoundaryTracer, DiagonalNeighboursAreSeparateSquares)
{
  // Both ways a diagonal can meet
  for (const std::vector<std::string>& rows : { std::vector<std::string>({ "#.", ".#" }),
                                                std::vector<std::string>({ ".#", "#." }) })
  {
    const Mask mask = Parse(rows);
    const std::vector<Polygon> polygons = Trace(mask);
    ASSERT_EQ(2u, polygons.size());
    for (const Polygon& polygon : polygons)
    {
      EXPECT_EQ(4u, polygon.size());
      EXPECT_EQ(2, SignedArea2(polygon));
    }
    EXPECT_EQ(mask.values, Fill(polygons, mask.width, mask.height));
  }

  // A hole closed only at corners is no hole of a 4-connected region:
  // three regions, three polygons, which fill back to the mask
  ExpectExactOutline(Parse({ ".#..",
                             "#.#.",
                             ".##.",
                             "...." }), 3);
}


TEST(VoxelBoundaryTracer, LShapes)
{
  const std::vector<Polygon> polygons = Trace(Parse({ "#..", "#..", "###" }));
  ASSERT_EQ(1u, polygons.size());
  EXPECT_EQ(std::vector<int32_t>({ 0, 0, 1, 0, 1, 2, 3, 2, 3, 3, 0, 3 }), Flatten(polygons[0]));

  ExpectExactOutline(Parse({ "...#", "...#", ".###" }), 1);
  ExpectExactOutline(Parse({ "####", "#...", "#..." }), 1);
  ExpectExactOutline(Parse({ "###.", "..#.", "..#." }), 1);
}


TEST(VoxelBoundaryTracer, EmptyMaskGivesNothing)
{
  EXPECT_TRUE(Trace(Parse({ "...", "..." })).empty());
  EXPECT_TRUE(VoxelBoundaryTracer::Trace(std::vector<uint8_t>(), 0, 0).empty());
  EXPECT_THROW(VoxelBoundaryTracer::Trace(std::vector<uint8_t>(5, 1), 2, 2), std::invalid_argument);
}


TEST(VoxelBoundaryTracer, RandomMasksFillBackExactly)
{
  // Noise at several densities: many islands, holes, diagonal meetings
  std::mt19937 random(1234);
  for (int density : { 20, 50, 80 })
  {
    for (int trial = 0; trial < 20; trial++)
    {
      Mask mask;
      mask.width = 1 + static_cast<int32_t>(random() % 23);
      mask.height = 1 + static_cast<int32_t>(random() % 17);
      for (int32_t i = 0; i < mask.width * mask.height; i++)
      {
        mask.values.push_back(static_cast<int>(random() % 100) < density ? 1 : 0);
      }
      const std::vector<Polygon> polygons = Trace(mask);
      for (const Polygon& polygon : polygons)
      {
        ExpectRectilinearTurns(polygon);
        for (const VoxelBoundaryTracer::Corner& corner : polygon)
        {
          EXPECT_TRUE(corner.x >= 0 && corner.x <= mask.width && corner.y >= 0 && corner.y <= mask.height);
        }
      }
      ASSERT_EQ(mask.values, Fill(polygons, mask.width, mask.height))
        << "density " << density << ", trial " << trial;
    }
  }
}
