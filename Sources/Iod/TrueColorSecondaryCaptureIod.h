#pragma once

#include "Iod/InstanceFactory.h"

namespace NiftiToDicom
{
  // Multi-frame True Color Secondary Capture (PS3.3 A.8.5): for viewers that
  // cannot show Enhanced MR Color. Keeps the colours, not the geometry: this
  // IOD has no Frame of Reference.
  class TrueColorSecondaryCaptureIod : public IInstanceFactory
  {
  public:
    int64_t GetInstanceCount(const SeriesPlan& plan) const override
    {
      return 1;
    }

    void BuildInstance(std::string& file, std::string& scratch, const SeriesPlan& plan,
                       int64_t index) const override;
  };
}
