#pragma once

#include "Iod/InstanceFactory.h"

#include <string>
#include <vector>

namespace NiftiToDicom
{
  // RT Structure Set (PS3.3 A.19): one instance whose ROIs are the labels of
  // a 3D label map, drawn as CLOSED_PLANAR contours along the label map's
  // voxel edges on the images of the reference series (its frame of
  // reference, its slices), holes as separate contours. Modules: Patient,
  // General Study (and their optional companions, from the parent study),
  // RT Series, General Equipment, Frame of Reference (the reference's), Structure Set, ROI Contour, RT ROI
  // Observations, SOP Common.
  class RtStructureSetIod : public IInstanceFactory
  {
  public:
    // Every ROI is interpreted as an ORGAN (PS3.3 C.8.8.8.1): what the label
    // maps of segmentation pipelines (FreeSurfer, TotalSegmentator, nnU-Net)
    // delineate; a planner reclassifies targets and organs at risk
    static const char* const INTERPRETED_TYPE;

    // ContourData values: micrometre precision (boundaries lie half a voxel
    // from pixel centres, far beyond it), at most 16 characters
    static std::string FormatCoordinate(double value);

    int64_t GetInstanceCount(const SeriesPlan& plan) const override
    {
      return 1;
    }

    void BuildInstance(std::string& file, std::string& scratch, const SeriesPlan& plan,
                       int64_t index) const override;
  };
}
