#pragma once

#include "Iod/MultiFrameIod.h"

namespace NiftiToDicom
{
  // Enhanced MR Color Image (PS3.3 A.36.4): RGB24 volumes, bytes as they are
  class EnhancedMrColorImageIod : public MultiFrameIod
  {
  protected:
    const char* GetSopClassUid() const override;
    const char* GetModality(const SeriesPlan& plan) const override;
    void AddImageModule(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;
    void AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const override;
    void AddFrameGroups(DcmItem& perFrame, const SeriesPlan& plan, const Frame& frame) const override;
    SidecarPlacement::Family GetSidecarFamily() const override
    {
      return SidecarPlacement::Family::EnhancedMr;
    }
    bool IsOrientationPerFrame() const override
    {
      return true;
    }
    void AddPixelData(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;

    // RGB, 8 bits a sample
    uint64_t GetFrameBytes(const SeriesPlan& plan) const override
    {
      return static_cast<uint64_t>(plan.GetGeometry().GetRows() * plan.GetGeometry().GetColumns()) * 3;
    }
  };
}
