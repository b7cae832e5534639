#pragma once

#include "Plan/SeriesPlan.h"

#include <memory>

#include <string>
#include <vector>

namespace NiftiToDicom
{
  class IInstanceFactory;

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

  // NIfTI volume + parent study -> DICOM instances. Each thread encodes and
  // stores the next instance not yet taken (with one thread: in
  // InstanceNumber order). The first exception stops every thread and is
  // rethrown. Work can be done in batches, as job steps need. The pieces of
  // a concatenation are built by one thread, one at a time.
  class SeriesConverter
  {
  private:
    std::unique_ptr<IInstanceFactory> iod_;
    SeriesPlan                        plan_;
    int64_t                           next_;
    int64_t                           count_;

  public:
    SeriesConverter(const NiftiVolume& volume, const ParentStudyTags& parent, SeriesOptions&& options);

    ~SeriesConverter();

    int64_t GetInstanceCount() const
    {
      return count_;
    }

    bool IsDone() const
    {
      return next_ >= GetInstanceCount();
    }

    const SeriesPlan& GetPlan() const
    {
      return plan_;
    }

    // Encodes and stores the next "maxInstances" instances (or those left)
    void WriteNext(IInstanceSink& sink, int64_t maxInstances, unsigned int threads);

    ConversionSummary GetSummary() const;

    // The whole series in one call
    static ConversionSummary Convert(const NiftiVolume& volume, const ParentStudyTags& parent,
                                     SeriesOptions&& options, IInstanceSink& sink, unsigned int threads = 1);
  };
}
