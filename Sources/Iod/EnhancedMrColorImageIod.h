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
    void AddPixelData(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;
  };
}
