#pragma once

#include "SeriesPlan.h"

#include <string>
#include <vector>

namespace NiftiToDicom
{
  // Receives the instances of a series one by one, as they are encoded, so
  // that at most one DICOM file exists in memory at a time.
  class IInstanceSink
  {
  public:
    virtual ~IInstanceSink()
    {
    }

    // May throw to abort the conversion
    virtual void Store(const std::string& dicomFile, int64_t index, int64_t count) = 0;
  };

  struct ConversionSummary
  {
    std::string               seriesInstanceUid;
    int64_t                   instancesCount = 0;
    std::vector<std::string>  warnings;
  };

  class SeriesConverter
  {
  public:
    // NIfTI volume + parent study -> DICOM instances, in InstanceNumber order
    static ConversionSummary Convert(const NiftiVolume& volume, const ParentStudyTags& parent,
                                     SeriesOptions&& options, IInstanceSink& sink);
  };
}
