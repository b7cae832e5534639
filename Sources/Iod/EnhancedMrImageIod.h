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
    void AddPixelData(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;
  };
}
