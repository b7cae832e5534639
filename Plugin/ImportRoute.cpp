#include "ImportRoute.h"

#include "HttpAnswers.h"
#include "ImportJob.h"
#include "OrthancContext.h"
#include "ReferenceSeriesLookup.h"
#include "SeriesRouter.h"
#include "UploadStore.h"

#include "../Sources/BidsSidecar.h"
#include "../Sources/DicomUid.h"
#include "../Sources/ImportRequest.h"
#include "../Sources/ServerPathPolicy.h"

#include <Logging.h>

#include <json/reader.h>

#include <fstream>
#include <malloc.h>
#include <memory>
#include <sstream>

namespace NiftiToDicomPlugin
{
  using namespace NiftiToDicom;

  const char* const ImportRoute::URI = "/nifti/import";

  namespace
  {
    PluginConfiguration configuration_;

    Json::Value ReadSidecarUpload(const std::string& id)
    {
      Json::Value info;
      if (!UploadStore::Get().GetInfo(info, id))
      {
        throw ConversionError(ErrorKind::UnknownResource,
                              "\"Sidecar\": no upload \"" + id + "\" (never made, deleted or expired)");
      }
      if (info["Type"].asString() != "JSON")
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "\"Sidecar\": upload \"" + id + "\" is not a JSON object (its type is " +
                              info["Type"].asString() + ")");
      }

      std::ifstream file(UploadStore::Get().LocateData(id), std::ios::binary);
      std::stringstream text;
      text << file.rdbuf();
      const std::string content = text.str();

      Json::Value sidecar;
      Json::CharReaderBuilder builder;
      std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
      std::string errors;
      if (!reader->parse(content.data(), content.data() + content.size(), &sidecar, &errors) || !sidecar.isObject())
      {
        throw ConversionError(ErrorKind::InvalidInput, "\"Sidecar\": upload \"" + id + "\" is not a JSON object");
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
      std::ifstream file(UploadStore::Get().LocateData(value), std::ios::binary);
      std::stringstream text;
      text << file.rdbuf();
      if (text.str().size() > (1 << 20))
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              std::string("\"") + field + "\": upload " + value + " is too large to be a " + field + " file");
      }
      return text.str();
    }

    std::string BaseName(const std::string& path)
    {
      const size_t slash = path.find_last_of('/');
      return slash == std::string::npos ? path : path.substr(slash + 1);
    }

    // Everything that can be checked before the conversion starts, so that
    // an asynchronous import gets these errors at once
    ImportParameters CheckRequest(ImportRequest& request)
    {
      ImportParameters parameters;
      parameters.source = request.source;
      parameters.parentStudyId = ParentStudyLookup::ResolveStudyId(request.parentStudy);
      parameters.seriesDescription = request.seriesDescription;
      parameters.filename = request.filename;
      parameters.modality = request.modality;
      parameters.tags = request.tagsJson;
      parameters.sidecar = request.sidecarUpload.empty() ? request.sidecar : ReadSidecarUpload(request.sidecarUpload);
      BidsSidecar::Parse(parameters.sidecar);   // refuse a malformed sidecar now
      parameters.output = request.outputJson;
      parameters.bval = ReadCompanion(request.bval, "Bval");
      parameters.bvec = ReadCompanion(request.bvec, "Bvec");
      parameters.referenceSeries = request.referenceSeries;
      if (!parameters.referenceSeries.empty())
      {
        ReferenceSeriesLookup::Check(parameters.referenceSeries, parameters.parentStudyId);
      }

      switch (request.source)
      {
        case NiftiSource::Upload:
        {
          Json::Value info;
          if (!UploadStore::Get().GetInfo(info, request.upload))
          {
            UploadStore::Get().LocateData(request.upload);  // throws the "no upload" error
          }
          if (info["Type"].asString() != "NIfTI")
          {
            const std::string name = info["Filename"].asString();
            throw ConversionError(ErrorKind::InvalidInput,
                                  "The uploaded file " + (name.empty() ? std::string() : "\"" + name + "\" ") +
                                  "is not a NIfTI file (it starts neither like a .nii nor like a .nii.gz; upload " +
                                  request.upload + " holds " + (info["Type"].asString() == "JSON" ? "JSON" :
                                                                "other data") + "); choose the .nii or .nii.gz file");
          }
          parameters.upload = request.upload;
          if (parameters.filename.empty())
          {
            parameters.filename = info["Filename"].asString();
          }
          break;
        }

        case NiftiSource::Path:
          parameters.path = ServerPathPolicy(configuration_.GetAllowedDirectories()).Resolve(request.path);
          if (parameters.filename.empty())
          {
            parameters.filename = BaseName(request.path);
          }
          break;

        default:
          break;
      }

      parameters.sendTo = request.hasSendTo ? request.sendTo : configuration_.GetDefaultSendTo();
      SeriesRouter::CheckDestinations(parameters.sendTo);
      return parameters;
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
    ImportParameters parameters = CheckRequest(importRequest);

    Json::Value answer;
    if (importRequest.asynchronous)
    {
      // The job must be able to run again after a restart: it works from a
      // file, and writes a SeriesInstanceUID chosen now (to find leftovers)
      parameters.seriesInstanceUid = DicomUid::Generate();
      if (parameters.source == NiftiSource::Inline)
      {
        parameters.upload = UploadStore::Get().CreateFromMemory(importRequest.nifti, importRequest.filename);
        std::string().swap(importRequest.nifti);
        parameters.source = NiftiSource::Upload;
        parameters.deleteUploadOnSuccess = true;
      }

      const std::string job = PluginJob::Submit(
        std::unique_ptr<PluginJob>(new ImportJob(parameters, configuration_)), ImportJob::TYPE, importRequest.priority);
      LOG(INFO) << "NIfTI-to-DICOM: import submitted as job " << job;

      answer = Json::Value(Json::objectValue);
      answer["ID"] = job;
      answer["Path"] = "/jobs/" + job;
      answer["Warnings"] = WarningsOf(importRequest);
    }
    else
    {
      ImportJob job(parameters, configuration_, std::move(importRequest.nifti));
      answer = job.RunSynchronously();

      Json::Value warnings = WarningsOf(importRequest);
      for (const Json::Value& warning : answer["Warnings"])
      {
        warnings.append(warning);
      }
      answer["Warnings"] = warnings;
    }

    HttpAnswers::AnswerJson(output, answer);
  }
}
