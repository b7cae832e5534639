#pragma once

#include "SeriesPlan.h"

#include <string>
#include <vector>

namespace NiftiToDicom
{
  // Receives the instances of a series one by one, as they are encoded, so
  // that at most one DICOM file per thread exists in memory at a time.
  class IInstanceSink
  {
  public:
    virtual ~IInstanceSink()
    {
    }

    // May throw to abort the conversion. Called from several threads at
    // once when the conversion runs with more than one thread.
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
    // NIfTI volume + parent study -> DICOM instances. With one thread they
    // reach the sink in InstanceNumber order; with more, each thread encodes
    // and stores the next instance not yet taken. The first exception stops
    // every thread and is rethrown.
    static ConversionSummary Convert(const NiftiVolume& volume, const ParentStudyTags& parent,
                                     SeriesOptions&& options, IInstanceSink& sink, unsigned int threads = 1);
  };
}
