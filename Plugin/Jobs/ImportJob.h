#pragma once

#include "Jobs/PluginJob.h"
#include "Orthanc/OrthancSeriesStore.h"
#include "Orthanc/ParentStudyLookup.h"
#include "PluginConfiguration.h"
#include "Orthanc/SeriesNumberReservation.h"

#include "Common/ConversionError.h"
#include "Request/ImportRequest.h"
#include "Nifti/NiftiVolume.h"
#include "Conversion/SeriesConverter.h"

#include <atomic>
#include <memory>

namespace NiftiToDicomPlugin
{
  // One import, from a NIfTI to a stored (and possibly sent) series. Runs as
  // an Orthanc job, or synchronously in a request thread (RunSynchronously).
  // Whatever happens, it never leaves part of a series in Orthanc.
  class ImportJob : public PluginJob
  {
  public:
    static const char* const TYPE;

  private:
    enum class Stage
    {
      Start,
      Converting,
      Sending,
      Done,
      Failed
    };

    NiftiToDicom::ImportRequest                request_;       // completed by ImportRoute
    std::string                                seriesInstanceUid_;   // chosen at submission (jobs), empty: new
    bool                                       deleteUploadOnSuccess_;
    const PluginConfiguration&                 configuration_;
    bool                                       wholeSeriesAtOnce_;

    Stage                                      stage_;
    std::unique_ptr<NiftiToDicom::NiftiVolume> volume_;
    std::unique_ptr<ParentStudy>               parent_;
    std::unique_ptr<SeriesNumberReservation>   reservation_;
    std::unique_ptr<OrthancSeriesStore>        store_;
    std::unique_ptr<NiftiToDicom::SeriesConverter> converter_;
    std::string                                journaled_;     // SeriesInstanceUID in the ImportJournal

    void HoldUpload(bool hold);
    std::vector<std::string>                   warnings_;
    std::atomic<int64_t>                       stored_;
    int64_t                                    total_;
    Json::Value                                result_;
    std::string                                error_;
    NiftiToDicom::ErrorKind                    errorKind_;
    bool                                       holdsUpload_;   // the upload must not expire meanwhile
    bool                                       claimed_;       // reloaded: its journal entry waits for it

    void Release();
    void DeleteLeftovers();
    void Prepare();
    void Convert();
    void Send();
    void Fail(NiftiToDicom::ErrorKind kind, const std::string& message);

  public:
    // "request" as completed by ImportRoute; its inline bytes (synchronous
    // base64 imports only) are moved into the volume, never copied
    ImportJob(NiftiToDicom::ImportRequest&& request, const PluginConfiguration& configuration,
              const std::string& seriesInstanceUid = std::string(), bool deleteUploadOnSuccess = false);

    ~ImportJob() override;

    OrthancPluginJobStepStatus Step() override;
    void Stop(OrthancPluginJobStopReason reason) override;
    void Reset() override;
    float GetProgress() override;
    Json::Value GetContent() override;
    bool Serialize(Json::Value& target) override;

    // Runs every step in the calling thread; returns the answer of
    // POST /nifti/import, or throws the ConversionError that stopped it.
    Json::Value RunSynchronously();

    static OrthancPluginJob* Unserialize(const char* type, const char* serialized,
                                         const PluginConfiguration& configuration);
  };
}
