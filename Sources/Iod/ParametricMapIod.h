#pragma once

#include "Iod/MultiFrameIod.h"

namespace NiftiToDicom
{
  // Parametric Map (PS3.3 A.75): float values kept exactly, with their units
  class ParametricMapIod : public MultiFrameIod
  {
  protected:
    const char* GetSopClassUid() const override;
    const char* GetModality(const SeriesPlan& plan) const override;
    void AddImageModule(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;
    void AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const override;
    bool IsOrientationPerFrame() const override
    {
      return true;
    }
    void AddPixelData(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;

    // Float or Double Float Pixel Data
    uint64_t GetFrameBytes(const SeriesPlan& plan) const override
    {
      return static_cast<uint64_t>(plan.GetGeometry().GetRows() * plan.GetGeometry().GetColumns()) *
        (plan.GetOptions().doublePrecision ? 8 : 4);
    }
  };
}
