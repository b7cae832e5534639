#pragma once

#include "Iod/MultiFrameIod.h"

namespace NiftiToDicom
{
  // Enhanced MR Image (PS3.3 A.36.2): the classic 16-bit pixels and rescale
  // in one multi-frame instance
  class EnhancedMrImageIod : public MultiFrameIod
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
    bool GetPixelElement(DicomWriter::PixelElement& element, const SeriesPlan& plan,
                         const FrameLayout& layout) const override;
    void WritePixels(uint8_t* target, const SeriesPlan& plan, const FrameLayout& layout) const override;

    // 16 bits a pixel
    uint64_t GetFrameBytes(const SeriesPlan& plan) const override
    {
      return static_cast<uint64_t>(plan.GetGeometry().GetRows() * plan.GetGeometry().GetColumns()) * 2;
    }
  };
}
