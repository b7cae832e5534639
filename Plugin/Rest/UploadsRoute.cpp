#include "Rest/UploadsRoute.h"

#include "Orthanc/OrthancContext.h"
#include "Rest/HttpAnswers.h"
#include "Uploads/UploadStore.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomValues.h"

#include <Logging.h>

#include <strings.h>

#include <memory>

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;

  namespace
  {
    const char* const COLLECTION = "/nifti/uploads";

    // One POST /nifti/uploads under way
    class UploadReader
    {
    private:
      std::unique_ptr<UploadWriter>        writer_;
      std::string                          filename_;
      std::string                          error_;
      ErrorKind                            errorKind_;

    public:
      explicit UploadReader(const std::string& filename) :
        filename_(filename),
        errorKind_(ErrorKind::Internal)
      {
        // Answered once the body is read: failing here would only give the
        // client Orthanc's generic "Error encountered within the plugin engine"
        try
        {
          writer_ = UploadStore::Get().StartUpload();
        }
        catch (ConversionError& e)
        {
          LOG(ERROR) << "NIfTI-to-DICOM: cannot start an upload: " << e.what();
          error_ = e.what();
          errorKind_ = e.GetKind();
        }
      }

      void AddChunk(const void* data, uint32_t size)
      {
        if (!error_.empty())
        {
          return;
        }
        try
        {
          writer_->Append(data, size);
        }
        catch (ConversionError& e)
        {
          error_ = e.what();
          errorKind_ = e.GetKind();
        }
      }

      void Execute(OrthancPluginRestOutput* output)
      {
        if (!error_.empty())
        {
          HttpAnswers::AnswerError(output, std::string(COLLECTION), "POST", HttpAnswers::GetHttpStatus(errorKind_), error_);
          return;
        }

        if (writer_->IsTooLarge())
        {
          const uint64_t limit = UploadStore::Get().GetMaximumBytes();
          HttpAnswers::AnswerError(output, std::string(COLLECTION), "POST", 413,
                                   "The upload exceeds the maximum upload size of " + std::to_string(limit >> 20) +
                                   " MB (configuration option NiftiToDicom.MaximumUploadSize); nothing was kept");
          return;
        }

        HttpAnswers::AnswerJson(output, UploadStore::Get().Describe(writer_->Finish(filename_)));
      }
    };

    // Orthanc 1.10.1 gives streamed routes no query arguments, but their headers
    std::string GetHeader(const OrthancPluginHttpRequest* request, const char* name)
    {
      for (uint32_t i = 0; i < request->headersCount; i++)
      {
        if (strcasecmp(request->headersKeys[i], name) == 0)
        {
          return request->headersValues[i];
        }
      }
      return "";
    }

    // X-Filename may be percent-encoded (UTF-8), as browsers send only
    // Latin-1 in headers: "%C3%A9" is "é"
    std::string DecodePercent(const std::string& value)
    {
      std::string decoded;
      for (size_t i = 0; i < value.size(); i++)
      {
        if (value[i] == '%' && i + 2 < value.size() && isxdigit(static_cast<unsigned char>(value[i + 1])) &&
            isxdigit(static_cast<unsigned char>(value[i + 2])))
        {
          decoded.push_back(static_cast<char>(std::stoi(value.substr(i + 1, 2), nullptr, 16)));
          i += 2;
        }
        else
        {
          decoded.push_back(value[i]);
        }
      }
      return NiftiToDicom::DicomValues::ToValidUtf8(decoded);
    }

    OrthancPluginErrorCode CreateReader(OrthancPluginServerChunkedRequestReader** reader, const char* url,
                                        const OrthancPluginHttpRequest* request)
    {
      try
      {
        *reader = reinterpret_cast<OrthancPluginServerChunkedRequestReader*>(
          new UploadReader(DecodePercent(GetHeader(request, "X-Filename"))));
        return OrthancPluginErrorCode_Success;
      }
      catch (std::exception& e)
      {
        LOG(ERROR) << "NIfTI-to-DICOM: cannot start an upload: " << e.what();
        return OrthancPluginErrorCode_Plugin;
      }
    }

    OrthancPluginErrorCode AddChunk(OrthancPluginServerChunkedRequestReader* reader, const void* data, uint32_t size)
    {
      reinterpret_cast<UploadReader*>(reader)->AddChunk(data, size);  // does not throw
      return OrthancPluginErrorCode_Success;
    }

    OrthancPluginErrorCode Execute(OrthancPluginServerChunkedRequestReader* reader, OrthancPluginRestOutput* output)
    {
      try
      {
        reinterpret_cast<UploadReader*>(reader)->Execute(output);
      }
      catch (ConversionError& e)
      {
        HttpAnswers::AnswerError(output, std::string(COLLECTION), "POST", HttpAnswers::GetHttpStatus(e.GetKind()), e.what());
      }
      catch (std::exception& e)
      {
        LOG(ERROR) << "NIfTI-to-DICOM: upload failed: " << e.what();
        HttpAnswers::AnswerError(output, std::string(COLLECTION), "POST", 500, std::string("Internal error: ") + e.what());
      }
      return OrthancPluginErrorCode_Success;
    }

    void Finalize(OrthancPluginServerChunkedRequestReader* reader)
    {
      try
      {
        delete reinterpret_cast<UploadReader*>(reader);  // removes an unfinished file
      }
      catch (...)
      {
      }
    }

    void ListUploads(OrthancPluginRestOutput* output, const char* url, const OrthancPluginHttpRequest* request)
    {
      Json::Value list(Json::arrayValue);
      for (const std::string& id : UploadStore::Get().List())
      {
        list.append(id);
      }
      HttpAnswers::AnswerJson(output, list);
    }

    void HandleUpload(OrthancPluginRestOutput* output, const char* url, const OrthancPluginHttpRequest* request)
    {
      const std::string id = request->groups[0];

      if (request->method == OrthancPluginHttpMethod_Get)
      {
        HttpAnswers::AnswerJson(output, UploadStore::Get().Describe(id));
      }
      else if (request->method == OrthancPluginHttpMethod_Delete)
      {
        // A hold by a job of any live node counts (see UploadHolds)
        const Json::Value info = UploadStore::Get().Describe(id);
        if (info["InUse"].asBool())
        {
          throw ConversionError(ErrorKind::Conflict,
                                "Upload \"" + id + "\" is used by an import job under way (on this Orthanc or on "
                                "another node sharing the upload folder); wait until the job ends or cancel it, "
                                "then delete the upload");
        }
        UploadStore::Get().Delete(id);
        HttpAnswers::AnswerJson(output, Json::Value(Json::objectValue));
      }
      else
      {
        OrthancPluginSendMethodNotAllowed(OrthancContext::Get(), output, "GET,DELETE");
      }
    }
  }


  void UploadsRoute::Register(OrthancPluginContext* context)
  {
    OrthancPluginRegisterChunkedRestCallback(context, COLLECTION, ProtectedRoute<ListUploads>, CreateReader,
                                             nullptr, nullptr, AddChunk, Execute, Finalize);
    OrthancPluginRegisterRestCallbackNoLock(context, "/nifti/uploads/([^/]+)", ProtectedRoute<HandleUpload>);
  }
}
