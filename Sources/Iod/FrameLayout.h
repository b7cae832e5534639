#pragma once

#include <cstdint>
#include <vector>

namespace NiftiToDicom
{
  // One frame of a multi-frame instance: slice k of volume t (and, for a
  // segmentation, the segment it shows)
  struct Frame
  {
    int64_t k = 0;
    int64_t t = 0;
    int64_t segment = 0;   // 1-based segment number, 0 when not a segmentation
  };

  // The frames of the instance, and whatever the IOD learnt choosing them
  struct FrameLayout
  {
    std::vector<Frame> frames;

    virtual ~FrameLayout()
    {
    }

    // Every slice of every volume, time-major
    static std::vector<Frame> ListAllSlices(int64_t slices, int64_t timePoints)
    {
      std::vector<Frame> frames;
      for (int64_t t = 0; t < timePoints; t++)
      {
        for (int64_t k = 0; k < slices; k++)
        {
          Frame frame;
          frame.k = k;
          frame.t = t;
          frames.push_back(frame);
        }
      }
      return frames;
    }
  };
}
