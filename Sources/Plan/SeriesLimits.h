#pragma once

#include <cstddef>
#include <cstdint>

#include <json/value.h>

namespace NiftiToDicom
{
  // Bounds on what one import may produce, from the plugin's configuration
  // (options of the same names). A small request can describe a huge series
  // (a label map with 65535 labels, a header announcing 2000 slices): each
  // bound is checked from counts known before the big allocations, and a
  // refusal is ConversionError(TooLarge) naming the option to raise.
  struct SeriesLimits
  {
    // Defaults never refuse real data: a 4D fMRI run has 20000-60000 slices
    // in all, TotalSegmentator ~120 labels, FreeSurfer aparc+aseg ~110, a
    // 1000-parcel atlas with its subcortical labels ~1050
    int64_t   maximumInstances = 100000;
    int64_t   maximumFrames = 100000;
    int64_t   maximumSegments = 2000;
    uint64_t  maximumSegmentationBytes = static_cast<uint64_t>(2048) * 1024 * 1024;
    size_t    maximumTags = 1000;
    size_t    maximumTagsBytes = 256 * 1024;

    // Pixel Data of one Enhanced MR (Color) or Parametric Map instance;
    // beyond it the object is a concatenation of pieces (Plan/Concatenation.h).
    // 0: never split. Each instance costs about 3.5x its size in Orthanc's
    // memory while it is built and stored (measured: 105 MB in one instance
    // +467 MB, in 4 MB pieces +119 MB, the volume's 105 MB included); 128 MB
    // (~450 MB) keeps 3D volumes whole up to 0.7 mm isotropic float32 (98 MB),
    // for readers that ignore concatenations, and a 4D run in whole volumes.
    uint64_t  maximumInstanceBytes = static_cast<uint64_t>(128) * 1024 * 1024;

    // "slices" x "timePoints" classic instances
    void CheckInstances(int64_t slices, int64_t timePoints) const;

    // Frames of one multi-frame instance (slices x time points, or the
    // slices of every segment)
    void CheckFrames(int64_t frames) const;

    void CheckSegments(int64_t segments) const;

    // Bytes of the Segmentation's Pixel Data (1 bit per pixel)
    void CheckSegmentationBytes(uint64_t bytes) const;

    // The "Tags" of a request (as sent): entries, and bytes of their names
    // and values, which every instance repeats
    void CheckTags(const Json::Value& tags) const;
  };
}
