#include "Orthanc/OrthancSeriesStore.h"

#include "Orthanc/RestHelpers.h"

#include "Common/ConversionError.h"

#include <Logging.h>

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;


  OrthancSeriesStore::OrthancSeriesStore(const std::string& parentStudyId) :
    parentStudyId_(parentStudyId),
    storedCount_(0),
    committed_(false)
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

    if (status != "Success")
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
}
