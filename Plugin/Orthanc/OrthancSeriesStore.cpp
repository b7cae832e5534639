#include "Orthanc/OrthancSeriesStore.h"

#include "Orthanc/RestHelpers.h"

#include "Common/ConversionError.h"

#include <Logging.h>

#include <set>

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;


  OrthancSeriesStore::OrthancSeriesStore(const std::string& parentStudyId) :
    parentStudyId_(parentStudyId),
    storedCount_(0),
    committed_(false),
    rolledBack_(true)
  {
  }


  OrthancSeriesStore::~OrthancSeriesStore()
  {
    if (!committed_)
    {
      Rollback();
    }
  }


  void OrthancSeriesStore::Rollback()
  {
    if (seriesId_.empty())
    {
      return;
    }

    try
    {
      LOG(WARNING) << "NIfTI-to-DICOM: import failed after " << storedCount_
                   << " instances, deleting the partial series " << seriesId_;
      RestHelpers::Delete("/series/" + seriesId_);
    }
    catch (std::exception& e)
    {
      rolledBack_ = false;
      LOG(ERROR) << "NIfTI-to-DICOM: cannot delete the partial series " << seriesId_ << ": " << e.what();
    }
  }


  void OrthancSeriesStore::Store(const std::string& dicomFile, int64_t index, int64_t count)
  {
    Json::Value answer;
    RestHelpers::PostJson(answer, "/instances", dicomFile);

    const std::string status = answer["Status"].asString();
    const std::string series = answer["ParentSeries"].asString();

    std::lock_guard<std::mutex> lock(mutex_);
    if (seriesId_.empty())
    {
      seriesId_ = series;
    }

    // "AlreadyStored": a retry after a database conflict found the instance
    // stored by the first attempt (its SOPInstanceUID is new, hence ours)
    if (status != "Success" && status != "AlreadyStored")
    {
      throw ConversionError(ErrorKind::Internal,
                            "Orthanc did not store instance " + std::to_string(index + 1) + " of the new series (status \"" +
                            status + "\"); a Lua filter or storage limit may be refusing it");
    }
    storedCount_++;
    instances_.push_back(answer["ID"].asString());

    if (series != seriesId_ || answer["ParentStudy"].asString() != parentStudyId_)
    {
      RestHelpers::Delete("/instances/" + answer["ID"].asString());  // the rollback only covers our series
      throw ConversionError(ErrorKind::Internal,
                            "Orthanc filed instance " + std::to_string(index + 1) + " outside the parent study "
                            "(study " + answer["ParentStudy"].asString() + "); the import was undone");
    }

    if (progress_)
    {
      progress_(storedCount_, count);
    }
  }


  void OrthancSeriesStore::VerifyComplete(int64_t expected)
  {
    std::set<std::string> inSeries;
    Json::Value series;
    if (!seriesId_.empty() && RestHelpers::GetJson(series, "/series/" + seriesId_))
    {
      for (const Json::Value& instance : series["Instances"])
      {
        inSeries.insert(instance.asString());
      }
    }

    std::lock_guard<std::mutex> lock(mutex_);
    size_t missing = 0;
    for (const std::string& instance : instances_)
    {
      missing += (inSeries.count(instance) == 0) ? 1 : 0;
    }
    if (missing > 0 || static_cast<int64_t>(inSeries.size()) != expected ||
        static_cast<int64_t>(instances_.size()) != expected)
    {
      LOG(ERROR) << "NIfTI-to-DICOM: series " << seriesId_ << " holds " << inSeries.size() << " instances in "
                 << "Orthanc's database, " << expected << " expected (" << missing << " of those stored are gone)";
      throw ConversionError(ErrorKind::Internal,
                            "The new series holds " + std::to_string(inSeries.size()) + " of its " +
                            std::to_string(expected) + " instances in Orthanc's database (something deleted part "
                            "of it during the import); the import was undone, try again");
    }
  }
}
