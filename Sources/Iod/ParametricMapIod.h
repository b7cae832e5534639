#pragma once

#include "Iod/MultiFrameIod.h"

#include <mutex>

namespace NiftiToDicom
{
  // Parametric Map (PS3.3 A.75): float values kept exactly, with their units
  class ParametricMapIod : public MultiFrameIod
  {
  private:
    // The range of the finite values, which every piece of a concatenation
    // writes: scanned once for the plan this IOD converts (the converter
    // owns both), not once a piece
    mutable std::mutex          rangeMutex_;
    mutable const SeriesPlan*   rangePlan_ = nullptr;
    mutable double              minValue_ = 0;
    mutable double              maxValue_ = 0;

    void GetRange(double& minValue, double& maxValue, const SeriesPlan& plan) const;

  protected:
    const char* GetSopClassUid() const override;
    const char* GetModality(const SeriesPlan& plan) const override;
    void AddImageModule(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;
    void AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const override;
    bool IsOrientationPerFrame() const override
    {
      return true;
    }
    bool GetPixelElement(DicomWriter::PixelElement& element, const SeriesPlan& plan,
                         const FrameLayout& layout) const override;
    void WritePixels(uint8_t* target, const SeriesPlan& plan, const FrameLayout& layout) const override;

    // Float or Double Float Pixel Data
    uint64_t GetFrameBytes(const SeriesPlan& plan) const override
    {
      return static_cast<uint64_t>(plan.GetGeometry().GetRows() * plan.GetGeometry().GetColumns()) *
        (plan.GetOptions().doublePrecision ? 8 : 4);
    }
  };
}
