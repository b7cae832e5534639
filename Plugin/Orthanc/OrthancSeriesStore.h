#pragma once

#include "Conversion/SeriesConverter.h"

#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace NiftiToDicomPlugin
{
  // Stores the instances of one new series into Orthanc as they are encoded
  // (from several threads at once: Orthanc's REST API is thread-safe).
  // Unless Commit() is called, the destructor deletes whatever was stored:
  // a failed import leaves Orthanc as it was. Before an import reports
  // success, VerifyComplete() checks in Orthanc's database that the series
  // holds every instance stored (with several nodes, something else could
  // have deleted part of it meanwhile).
  class OrthancSeriesStore : public NiftiToDicom::IInstanceSink
  {
  public:
    typedef std::function<void(int64_t stored, int64_t total)> ProgressCallback;

  private:
    std::mutex        mutex_;          // Store() runs on several conversion threads
    std::string       parentStudyId_;
    std::string       seriesId_;
    int64_t           storedCount_;
    bool              committed_;
    ProgressCallback  progress_;
    std::vector<std::string> instances_;

    bool rolledBack_;

    void Rollback();

  public:
    explicit OrthancSeriesStore(const std::string& parentStudyId);

    ~OrthancSeriesStore();

    void SetProgressCallback(const ProgressCallback& callback)
    {
      progress_ = callback;
    }

    void Store(const std::string& dicomFile, int64_t index, int64_t count) override;

    // Throws ConversionError(Internal) unless Orthanc's series holds
    // exactly the "expected" instances, all of those stored here
    void VerifyComplete(int64_t expected);

    void Commit()
    {
      committed_ = true;
    }

    // False if a rollback could not delete the partial series (it is then
    // left to the import journal's sweep)
    bool IsRolledBack() const
    {
      return rolledBack_;
    }

    // Rolls back now (the destructor does otherwise)
    void Abort()
    {
      if (!committed_)
      {
        committed_ = true;
        Rollback();
      }
    }

    // Orthanc IDs of the stored instances, in the order they were stored
    std::vector<std::string> GetInstances()
    {
      std::lock_guard<std::mutex> lock(mutex_);
      return instances_;
    }

    // Orthanc ID of the new series (empty before the first instance)
    const std::string& GetSeriesId() const
    {
      return seriesId_;
    }
  };
}
