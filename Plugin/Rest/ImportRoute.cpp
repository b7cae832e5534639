#include "Rest/ImportRoute.h"

#include "Rest/HttpAnswers.h"
#include "Rest/LabelsRoute.h"
#include "Jobs/ImportJob.h"
#include "Orthanc/OrthancContext.h"
#include "Orthanc/ReferenceSeriesLookup.h"
#include "Orthanc/SeriesRouter.h"
#include "Uploads/UploadStore.h"

#include "Common/ClientJson.h"
#include "Dicom/DicomUid.h"
#include "Request/ImportRequest.h"
#include "Request/ServerPathPolicy.h"

#include <Logging.h>

#include <Toolbox.h>

#include <malloc.h>
#include <memory>

namespace NiftiToDicomPlugin
{
  using namespace NiftiToDicom;

  const char* const ImportRoute::URI = "/nifti/import";

  namespace
  {
    PluginConfiguration configuration_;

    const size_t MAX_SIDECAR_BYTES = 16 << 20;
    const size_t MAX_DIFFUSION_TABLE_BYTES = 1 << 20;

    // "text": the file as uploaded, kept verbatim
    Json::Value ReadSidecarUpload(const std::string& id, std::string& text)
    {
      const Json::Value info = UploadStore::Get().Describe(id);
      Json::Value sidecar;
      std::string error;
      if (info["Type"].asString() != "JSON" ||
          !ClientJson::Parse(sidecar, error, text = UploadStore::Get().ReadContent(id, MAX_SIDECAR_BYTES, "a sidecar"),
                             "The sidecar") ||
          !sidecar.isObject())
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "\"Sidecar\": upload \"" + id + "\" is not a JSON object (its type is " +
                              info["Type"].asString() + ")");
      }
      return sidecar;
    }

    // A companion file (bval, bvec) given as its text or as an upload ID
    std::string ReadCompanion(const std::string& value, const char* field)
    {
      Json::Value info;
      if (value.size() != 32 || !UploadStore::Get().GetInfo(info, value))
      {
        return value;
      }
      return UploadStore::Get().ReadContent(value, MAX_DIFFUSION_TABLE_BYTES, std::string("a ") + field + " file");
    }

    std::string BaseName(const std::string& path)
    {
      const size_t slash = path.find_last_of('/');
      return slash == std::string::npos ? path : path.substr(slash + 1);
    }

    // Everything that can be checked before the conversion starts, so that
    // an asynchronous import gets these errors at once; completes the
    // request with what the job needs (the study's Orthanc ID, the files
    // behind upload IDs, the canonical path, the destinations)
    void CheckRequest(ImportRequest& request)
    {
      configuration_.GetSeriesLimits().CheckTags(request.tagsJson);
      request.parentStudy = ParentStudyLookup::ResolveStudyId(request.parentStudy);
      if (!request.sidecarUpload.empty())
      {
        std::string text;
        request.SetSidecar(ReadSidecarUpload(request.sidecarUpload, text), text);
      }
      if (!request.output.labelsUpload.empty())
      {
        // Saved jobs keep the text, which stays when the upload expires
        const std::string text = LabelsRoute::ReadUpload(request.output.labelsUpload);
        request.output.SetLabelText(text);
        request.outputJson["Labels"] = text;
      }
      LabelsRoute::CheckCount(request.output.labels.size());
      request.ApplyKeepSidecarOption(configuration_.IsSidecarKept());
      request.bval = ReadCompanion(request.bval, "bval");
      request.bvec = ReadCompanion(request.bvec, "bvec");
      if (!request.referenceSeries.empty())
      {
        ReferenceSeriesLookup::Check(request.referenceSeries, request.parentStudy);
      }

      switch (request.source)
      {
        case NiftiSource::Upload:
        {
          const Json::Value info = UploadStore::Get().Describe(request.upload);
          if (info["Type"].asString() != "NIfTI")
          {
            const std::string name = info["Filename"].asString();
            throw ConversionError(ErrorKind::InvalidInput,
                                  "The uploaded file " + (name.empty() ? std::string() : "\"" + name + "\" ") +
                                  "is not a NIfTI file (it starts neither like a .nii nor like a .nii.gz; upload " +
                                  request.upload + " holds " + (info["Type"].asString() == "JSON" ? "JSON" :
                                                                "other data") + "); choose the .nii or .nii.gz file");
          }
          if (request.filename.empty())
          {
            request.filename = info["Filename"].asString();
          }
          break;
        }

        case NiftiSource::Path:
        {
          const std::string given = request.path;
          request.path = ServerPathPolicy(configuration_.GetAllowedDirectories()).Resolve(given);
          if (request.filename.empty())
          {
            request.filename = BaseName(given);
          }
          break;
        }

        default:
          break;
      }

      if (!request.hasSendTo)
      {
        request.sendTo = configuration_.GetDefaultSendTo();
      }
      SeriesRouter::CheckDestinations(request.sendTo);
    }

    Json::Value WarningsOf(const ImportRequest& request)
    {
      Json::Value warnings(Json::arrayValue);
      for (const std::string& warning : request.warnings)
      {
        warnings.append(warning);
      }
      return warnings;
    }
  }


  void ImportRoute::Configure(const PluginConfiguration& configuration)
  {
    configuration_ = configuration;
  }


  const PluginConfiguration& ImportRoute::GetConfiguration()
  {
    return configuration_;
  }


  void ImportRoute::Handle(OrthancPluginRestOutput* output, const char* url, const OrthancPluginHttpRequest* request)
  {
    if (request->method != OrthancPluginHttpMethod_Post)
    {
      OrthancPluginSendMethodNotAllowed(OrthancContext::Get(), output, "POST");
      return;
    }

    // Destroyed last, after the volume: hands the freed buffers back to the
    // system, or the allocator keeps each import's peak for good.
    struct MemoryReleaser
    {
      ~MemoryReleaser()
      {
        malloc_trim(0);
      }
    } releaser;

    ImportRequest importRequest = ImportRequest::Parse(request->body, request->bodySize,
                                                       configuration_.GetMaximumUploadBytes());
    CheckRequest(importRequest);

    Json::Value answer;
    if (importRequest.asynchronous)
    {
      // The job must be able to run again after a restart: it works from a
      // file, and writes a SeriesInstanceUID chosen now (to find leftovers)
      const std::string seriesInstanceUid = DicomUid::Generate();
      bool deleteUploadOnSuccess = false;
      if (importRequest.source == NiftiSource::Inline)
      {
        importRequest.upload = UploadStore::Get().CreateFromMemory(importRequest.nifti, importRequest.filename);
        std::string().swap(importRequest.nifti);
        importRequest.source = NiftiSource::Upload;
        deleteUploadOnSuccess = true;
      }

      const int priority = importRequest.priority;
      answer = Json::Value(Json::objectValue);
      answer["Warnings"] = WarningsOf(importRequest);

      const std::string job = PluginJob::Submit(
        std::unique_ptr<PluginJob>(new ImportJob(std::move(importRequest), configuration_, seriesInstanceUid,
                                                 deleteUploadOnSuccess)), ImportJob::TYPE, priority);
      LOG(INFO) << "NIfTI-to-DICOM: import submitted as job " << job;

      answer["ID"] = job;
      answer["Path"] = "/jobs/" + job;
    }
    else
    {
      Json::Value warnings = WarningsOf(importRequest);
      ImportJob job(std::move(importRequest), configuration_);
      answer = job.RunSynchronously();

      for (const Json::Value& warning : answer["Warnings"])
      {
        warnings.append(warning);
      }
      answer["Warnings"] = warnings;
    }

    HttpAnswers::AnswerJson(output, answer);
  }
}
