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
  // a failed import leaves Orthanc as it was.
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

    void Rollback();

  public:
    explicit OrthancSeriesStore(const std::string& parentStudyId);

    ~OrthancSeriesStore();

    void SetProgressCallback(const ProgressCallback& callback)
    {
      progress_ = callback;
    }

    void Store(const std::string& dicomFile, int64_t index, int64_t count) override;

    void Commit()
    {
      committed_ = true;
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
