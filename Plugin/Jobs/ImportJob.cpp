#include "Jobs/ImportJob.h"

#include "Rest/HttpAnswers.h"
#include "Jobs/ImportJournal.h"
#include "Orthanc/ReferenceSeriesLookup.h"
#include "Orthanc/RestHelpers.h"
#include "Orthanc/SeriesRouter.h"
#include "Uploads/UploadStore.h"

#include "Plan/SeriesOptionsBuilder.h"
#include "Request/ServerPathPolicy.h"

#include <Logging.h>
#include <OrthancException.h>

#include <Toolbox.h>

#include <algorithm>
#include <malloc.h>

namespace NiftiToDicomPlugin
{
  using namespace NiftiToDicom;

  const char* const ImportJob::TYPE = "NiftiToDicomImport";

  namespace
  {
    const char* StageName(int stage)
    {
      static const char* const NAMES[] = { "Start", "Converting", "Sending", "Done", "Failed" };
      return NAMES[stage];
    }
  }


  ImportJob::ImportJob(ImportRequest&& request, const PluginConfiguration& configuration,
                       const std::string& seriesInstanceUid, bool deleteUploadOnSuccess) :
    request_(std::move(request)),
    seriesInstanceUid_(seriesInstanceUid),
    deleteUploadOnSuccess_(deleteUploadOnSuccess),
    configuration_(configuration),
    wholeSeriesAtOnce_(false),
    stage_(Stage::Start),
    stored_(0),
    total_(0),
    errorKind_(ErrorKind::Internal),
    holdsUpload_(false),
    claimed_(false)
  {
    HoldUpload(true);
  }


  ImportJob::~ImportJob()
  {
    Release();
    HoldUpload(false);
    if (claimed_)
    {
      ImportJournal::Get().Unclaim(seriesInstanceUid_);  // whatever is left of it, the sweep deletes
    }
  }


  void ImportJob::HoldUpload(bool hold)
  {
    // Held from submission until the job ends: Orthanc keeps finished jobs in
    // its history, and their uploads must then expire and be deletable
    if (request_.source == NiftiSource::Upload && hold != holdsUpload_)
    {
      if (hold)
      {
        UploadStore::Get().Acquire(request_.upload);
      }
      else
      {
        UploadStore::Get().Release(request_.upload);
      }
      holdsUpload_ = hold;
    }
  }


  void ImportJob::Release()
  {
    // Order matters: the store rolls back (deletes the partial series) unless
    // committed; only then is the series out of the journal
    converter_.reset();
    bool rolledBack = true;
    if (store_)
    {
      store_->Abort();
      rolledBack = store_->IsRolledBack();
      store_.reset();
    }
    if (!journaled_.empty())
    {
      if (rolledBack)
      {
        ImportJournal::Get().Remove(journaled_);
      }
      else
      {
        ImportJournal::Get().Abandon(journaled_);   // the sweep deletes the partial series later
      }
      journaled_.clear();
    }
    reservation_.reset();
    const bool heldVolume = (volume_ != nullptr);
    volume_.reset();
    parent_.reset();

    if (heldVolume)
    {
      // Hands the freed buffers of the conversion threads back to the
      // system: glibc keeps them in each thread's arena otherwise, and
      // Orthanc's memory would stay at the peak of its largest import
      malloc_trim(0);
    }
  }


  void ImportJob::DeleteLeftovers()
  {
    // A run interrupted by a hard stop of Orthanc may have left instances of
    // the series this job always writes (its SeriesInstanceUID is fixed)
    if (seriesInstanceUid_.empty())
    {
      return;
    }

    // Journaled first: from now on no other node adopts (and deletes) this
    // series, and Add() has waited until none is doing so any more
    ImportJournal::Get().Add(seriesInstanceUid_);
    journaled_ = seriesInstanceUid_;

    const std::string deleted = RestHelpers::DeleteSeriesByUid(seriesInstanceUid_);
    if (!deleted.empty())
    {
      LOG(WARNING) << "NIfTI-to-DICOM: deleted series " << deleted << ", left over by an interrupted run of this import";
    }
  }


  void ImportJob::Prepare()
  {
    DeleteLeftovers();

    // Files are read a slice at a time when they are converted, never whole
    switch (request_.source)
    {
      case NiftiSource::Upload:
        volume_ = NiftiVolume::Open(UploadStore::Get().LocateData(request_.upload),
                                    "upload " + request_.upload +
                                    (request_.filename.empty() ? std::string() : " (" + request_.filename + ")"),
                                    configuration_.GetMaximumVolumeBytes(), configuration_.GetTemporaryDirectory());
        break;
      case NiftiSource::Path:
      {
        // Checked again: the file may have changed since the job was submitted
        const ServerPathPolicy policy(configuration_.GetAllowedDirectories());
        volume_ = NiftiVolume::Open(policy.Resolve(request_.path), "\"" + request_.path + "\"",
                                    configuration_.GetMaximumVolumeBytes(), configuration_.GetTemporaryDirectory());
        break;
      }
      default:
        volume_.reset(new NiftiVolume(std::move(request_.nifti), configuration_.GetMaximumVolumeBytes()));
        break;
    }

    parent_.reset(new ParentStudy(ParentStudyLookup::Find(request_.parentStudy)));

    ImportContext context;
    context.parentModalities = parent_->modalities;
    context.usedSeriesNumbers = parent_->seriesNumbers;
    context.seriesInstanceUid = seriesInstanceUid_;
    std::vector<std::string> referenceWarnings;   // on sharing the reference's frame of reference
    if (!request_.referenceSeries.empty())
    {
      context.reference = ReferenceSeriesLookup::Read(context.referenceModality, referenceWarnings,
                                                      request_.referenceSeries, SeriesGeometry(volume_->GetHeader()));
      context.hasReference = true;
    }

    SeriesOptionsBuilder builder(request_, volume_->GetHeader(), context);
    if (builder.GetOptions().iod != IodType::RtStructureSet)
    {
      // An RT Structure Set always lies in the reference's frame of
      // reference: the builder refuses it otherwise, with its own message
      warnings_.insert(warnings_.end(), referenceWarnings.begin(), referenceWarnings.end());
    }
    warnings_.insert(warnings_.end(), builder.GetWarnings().begin(), builder.GetWarnings().end());
    if (!builder.HasSeriesNumber())
    {
      reservation_.reset(new SeriesNumberReservation(parent_->orthancId, configuration_.GetSeriesNumberMetadata(),
                                                     configuration_.MayIndexBeShared()));
      builder.SetSeriesNumber(reservation_->GetNumber());
    }
    SeriesOptions options = builder.TakeOptions();
    options.limits = configuration_.GetSeriesLimits();

    LOG(INFO) << "NIfTI-to-DICOM: importing a " << volume_->GetWidth() << "x" << volume_->GetHeight() << "x"
              << volume_->GetDepth() << "x" << volume_->GetTimePoints() << " "
              << volume_->GetHeader().GetDatatypeName() << " volume into study " << parent_->orthancId
              << " as series number " << options.seriesNumber;

    converter_.reset(new SeriesConverter(*volume_, parent_->tags, std::move(options)));
    total_ = converter_->GetInstanceCount();

    if (journaled_.empty())
    {
      journaled_ = converter_->GetPlan().GetSeriesInstanceUid();
      ImportJournal::Get().Add(journaled_);
    }
    stored_ = 0;

    store_.reset(new OrthancSeriesStore(parent_->orthancId));
    store_->SetProgressCallback([this](int64_t stored, int64_t) { stored_ = stored; });
  }


  void ImportJob::Convert()
  {
    const unsigned int threads = configuration_.GetConversionThreads();

    // Small batches let the job's progress move and a cancel take effect
    const int64_t batch = wholeSeriesAtOnce_ ? total_ :
      std::max<int64_t>(2 * threads, (total_ + 99) / 100);
    converter_->WriteNext(*store_, batch, threads);

    if (!converter_->IsDone())
    {
      return;
    }

    // Never a success for an incomplete series; once complete, it is no
    // leftover any more, even if Orthanc stops while it is sent on
    store_->VerifyComplete(total_);
    store_->Commit();
    ImportJournal::Get().Remove(journaled_);
    journaled_.clear();
    const ConversionSummary summary = converter_->GetSummary();

    result_ = Json::Value(Json::objectValue);
    result_["ID"] = store_->GetSeriesId();
    result_["Path"] = "/series/" + store_->GetSeriesId();
    result_["SeriesInstanceUID"] = summary.seriesInstanceUid;
    result_["ParentStudy"] = parent_->orthancId;
    result_["InstancesCount"] = static_cast<Json::Int64>(summary.instancesCount);
    result_["Warnings"] = Json::Value(Json::arrayValue);
    for (const std::string& warning : warnings_)
    {
      result_["Warnings"].append(warning);
    }
    for (const std::string& warning : summary.warnings)
    {
      result_["Warnings"].append(warning);
    }

    LOG(INFO) << "NIfTI-to-DICOM: stored series " << store_->GetSeriesId() << " (" << summary.instancesCount
              << " instances, " << result_["Warnings"].size() << " warnings)";

    stage_ = request_.sendTo.IsEmpty() ? Stage::Done : Stage::Sending;
  }


  void ImportJob::Send()
  {
    const std::vector<std::string> instances = store_->GetInstances();
    result_["SendTo"] = SeriesRouter::Send(instances, request_.sendTo, configuration_);
    for (const Json::Value& destination : result_["SendTo"])
    {
      if (!destination["Success"].asBool())
      {
        result_["Warnings"].append("The series was stored, but sending it to " + destination["Type"].asString() +
                                   " \"" + destination["Name"].asString() + "\" failed: " +
                                   destination["Error"].asString());
      }
    }
    stage_ = Stage::Done;
  }


  void ImportJob::Fail(ErrorKind kind, const std::string& message)
  {
    stage_ = Stage::Failed;
    errorKind_ = kind;
    error_ = message;
    Release();  // deletes what was stored
    LOG(WARNING) << "NIfTI-to-DICOM: import failed: " << message;
  }


  OrthancPluginJobStepStatus ImportJob::Step()
  {
    try
    {
      switch (stage_)
      {
        case Stage::Start:
          Prepare();
          stage_ = Stage::Converting;
          return OrthancPluginJobStepStatus_Continue;

        case Stage::Converting:
          Convert();
          break;

        case Stage::Sending:
          Send();
          break;

        case Stage::Failed:
          return OrthancPluginJobStepStatus_Failure;

        default:
          break;
      }

      if (stage_ != Stage::Done)
      {
        return OrthancPluginJobStepStatus_Continue;
      }

      // The series is complete (and sent): its sources are no longer needed
      Release();
      if (deleteUploadOnSuccess_)
      {
        UploadStore::Get().Delete(request_.upload);
      }
      return OrthancPluginJobStepStatus_Success;
    }
    catch (ConversionError& e)
    {
      Fail(e.GetKind(), e.what());
    }
    catch (Orthanc::OrthancException& e)
    {
      Fail(ErrorKind::Internal, e.What());
    }
    catch (std::bad_alloc&)
    {
      Fail(ErrorKind::Internal, "Orthanc ran out of memory while converting the NIfTI file");
    }
    catch (std::exception& e)
    {
      Fail(ErrorKind::Internal, e.what());
    }
    return OrthancPluginJobStepStatus_Failure;
  }


  void ImportJob::Stop(OrthancPluginJobStopReason reason)
  {
    if (reason != OrthancPluginJobStopReason_Paused)
    {
      HoldUpload(false);   // success, failure or cancel: the job is over
    }
    if (reason == OrthancPluginJobStopReason_Success)
    {
      return;
    }

    if (stage_ != Stage::Done && stage_ != Stage::Failed)
    {
      // Canceled or paused mid-way: undo, and start over if it runs again
      LOG(WARNING) << "NIfTI-to-DICOM: import job " << (reason == OrthancPluginJobStopReason_Canceled ? "canceled" :
                                                         reason == OrthancPluginJobStopReason_Paused ? "paused" :
                                                         "stopped")
                   << " after " << stored_ << " of " << total_ << " instances; removing them";
      if (reason == OrthancPluginJobStopReason_Canceled)
      {
        errorKind_ = ErrorKind::Internal;
        error_ = "The import was canceled; nothing of it was kept";
      }
    }

    Release();
    if (stage_ == Stage::Converting || stage_ == Stage::Sending)
    {
      stage_ = Stage::Start;
      stored_ = 0;
    }
  }


  void ImportJob::Reset()
  {
    HoldUpload(true);   // resubmitted
    Release();
    stage_ = Stage::Start;
    stored_ = 0;
    total_ = 0;
    result_ = Json::Value();
    error_.clear();
    warnings_.clear();
  }


  float ImportJob::GetProgress()
  {
    switch (stage_)
    {
      case Stage::Converting:
        return total_ > 0 ? 0.02f + 0.93f * static_cast<float>(stored_) / static_cast<float>(total_) : 0.02f;
      case Stage::Sending:
        return 0.95f;
      case Stage::Done:
        return 1.0f;
      default:
        return 0.0f;
    }
  }


  Json::Value ImportJob::GetContent()
  {
    Json::Value content(Json::objectValue);
    content["ParentStudy"] = request_.parentStudy;

    Json::Value source(Json::objectValue);
    switch (request_.source)
    {
      case NiftiSource::Upload:
        source["Upload"] = request_.upload;
        break;
      case NiftiSource::Path:
        source["Path"] = request_.path;
        break;
      default:
        source["Inline"] = static_cast<Json::UInt64>(request_.nifti.size());
        break;
    }
    content["Source"] = source;

    if (!request_.filename.empty())
    {
      content["Filename"] = request_.filename;
    }
    if (!request_.sidecarJson.isNull())
    {
      content["Sidecar"] = request_.sidecarJson;
    }
    if (!request_.sendTo.IsEmpty())
    {
      content["Destinations"] = request_.sendTo.ToJson();
    }

    content["InstancesCount"] = static_cast<Json::Int64>(total_);
    content["InstancesStored"] = static_cast<Json::Int64>(stored_);

    if (result_.isObject())
    {
      for (const std::string& member : result_.getMemberNames())
      {
        content[member] = result_[member];
      }
    }

    if (!error_.empty())
    {
      content["Error"] = error_;
      content["HttpStatus"] = HttpAnswers::GetHttpStatus(errorKind_);
    }
    return content;
  }


  bool ImportJob::Serialize(Json::Value& target)
  {
    if (request_.source == NiftiSource::Inline)
    {
      return false;  // the bytes live in memory only
    }
    target = Json::Value(Json::objectValue);
    target["Parameters"] = request_.ToJson();
    target["Parameters"]["SeriesInstanceUID"] = seriesInstanceUid_;
    target["Parameters"]["DeleteUploadOnSuccess"] = deleteUploadOnSuccess_;

    // The outcome too, so that GET /jobs/{id} still tells it after a restart
    if (stage_ == Stage::Done || stage_ == Stage::Failed)
    {
      target["Stage"] = StageName(static_cast<int>(stage_));
      target["Result"] = result_;
      target["Error"] = error_;
      target["ErrorKind"] = ConversionError::KindName(errorKind_);
      target["InstancesCount"] = static_cast<Json::Int64>(total_);
      target["InstancesStored"] = static_cast<Json::Int64>(stored_);
    }
    return true;
  }


  Json::Value ImportJob::RunSynchronously()
  {
    wholeSeriesAtOnce_ = true;
    for (;;)
    {
      const OrthancPluginJobStepStatus status = Step();
      if (status == OrthancPluginJobStepStatus_Success)
      {
        return result_;
      }
      if (status == OrthancPluginJobStepStatus_Failure)
      {
        throw ConversionError(errorKind_, error_);
      }
    }
  }


  OrthancPluginJob* ImportJob::Unserialize(const char* type, const char* serialized,
                                           const PluginConfiguration& configuration)
  {
    if (type == nullptr || std::string(type) != TYPE || serialized == nullptr)
    {
      return nullptr;
    }

    try
    {
      Json::Value json;
      if (!Orthanc::Toolbox::ReadJson(json, std::string(serialized)) || !json.isObject())
      {
        LOG(ERROR) << "NIfTI-to-DICOM: cannot reload a saved import job: its saved state is not a JSON object";
        return nullptr;
      }

      const Json::Value& parameters = json["Parameters"];
      ImportRequest request = ImportRequest::FromJson(parameters);
      const std::string seriesInstanceUid = parameters["SeriesInstanceUID"].asString();
      LOG(WARNING) << "NIfTI-to-DICOM: reloading a saved import job into study " << request.parentStudy;
      std::unique_ptr<ImportJob> job(new ImportJob(std::move(request), configuration, seriesInstanceUid,
                                                   parameters["DeleteUploadOnSuccess"].asBool()));

      const std::string stage = json["Stage"].asString();
      if (stage == "Done" || stage == "Failed")
      {
        job->stage_ = (stage == "Done") ? Stage::Done : Stage::Failed;
        job->result_ = json["Result"];
        job->error_ = json["Error"].asString();
        job->errorKind_ = ConversionError::ParseKind(json["ErrorKind"].asString());
        job->total_ = json["InstancesCount"].asInt64();
        job->stored_ = json["InstancesStored"].asInt64();
        job->HoldUpload(false);
      }
      else if (!seriesInstanceUid.empty())
      {
        ImportJournal::Get().Claim(seriesInstanceUid);  // it will run again and clean up itself
        job->claimed_ = true;
      }

      return PluginJob::Create(std::move(job), TYPE);
    }
    catch (std::exception& e)
    {
      LOG(ERROR) << "NIfTI-to-DICOM: cannot reload a saved import job: " << e.what();
      return nullptr;
    }
  }
}
