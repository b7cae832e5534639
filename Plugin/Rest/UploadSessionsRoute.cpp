#include "Rest/UploadSessionsRoute.h"

#include "Orthanc/OrthancContext.h"
#include "Rest/HttpAnswers.h"
#include "Uploads/Sha256.h"
#include "Uploads/UploadStore.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomValues.h"

#include <Toolbox.h>

#include <strings.h>

#include <cctype>

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;

  namespace
  {
    const size_t MAXIMUM_REQUEST_BYTES = 64 * 1024;
    const size_t MAXIMUM_FILENAME_BYTES = 1024;

    size_t maximumPartBytes_ = 8 * 1024 * 1024;

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

    // Decimal digits only, no overflow
    bool ParseOffset(uint64_t& value, const std::string& text)
    {
      if (text.empty() || text.size() > 19)
      {
        return false;
      }
      value = 0;
      for (char c : text)
      {
        if (c < '0' || c > '9')
        {
          return false;
        }
        value = value * 10 + static_cast<uint64_t>(c - '0');
      }
      return true;
    }

    // The JSON object of a small request body ({} if there is none)
    Json::Value ReadBody(const OrthancPluginHttpRequest* request)
    {
      Json::Value body(Json::objectValue);
      if (request->bodySize == 0)
      {
        return body;
      }
      if (request->bodySize > MAXIMUM_REQUEST_BYTES)
      {
        throw ConversionError(ErrorKind::TooLarge, "The request body must be a small JSON object (at most " +
                              std::to_string(MAXIMUM_REQUEST_BYTES) + " bytes); the file goes in the parts");
      }
      const std::string text(static_cast<const char*>(request->body), request->bodySize);
      if (!Orthanc::Toolbox::ReadJson(body, text) || !body.isObject())
      {
        throw ConversionError(ErrorKind::InvalidInput, "The request body must be a JSON object");
      }
      return body;
    }

    // Optional "SHA256" of a body: 64 hex digits, lowered
    std::string ReadSha256(const Json::Value& body)
    {
      if (!body.isMember("SHA256") || body["SHA256"].isNull())
      {
        return "";
      }
      std::string digest = body["SHA256"].isString() ? body["SHA256"].asString() : std::string();
      if (!Sha256::Normalize(digest))
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "\"SHA256\" must be the SHA-256 of the whole file, as 64 hexadecimal digits "
                              "(as sha256sum prints it)");
      }
      return digest;
    }

    Json::Value Describe(const std::string& id)
    {
      Json::Value description = UploadStore::Get().GetSessions().Describe(id);
      description["MaximumPartSize"] = static_cast<Json::UInt64>(maximumPartBytes_);
      return description;
    }

    void CreateSession(const OrthancPluginHttpRequest* request, OrthancPluginRestOutput* output)
    {
      const Json::Value body = ReadBody(request);
      const Json::Value& size = body["Size"];
      if (!size.isIntegral() || (size.isInt64() && size.asInt64() <= 0))
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "\"Size\" must be the size of the whole file in bytes (a positive integer), e.g. "
                              "{\"Size\": 630184112, \"Filename\": \"bold.nii.gz\"}");
      }

      std::string filename;
      if (body.isMember("Filename") && !body["Filename"].isNull())
      {
        if (!body["Filename"].isString() || body["Filename"].asString().size() > MAXIMUM_FILENAME_BYTES)
        {
          throw ConversionError(ErrorKind::InvalidInput, "\"Filename\" must be the file's name, a string of at most " +
                                std::to_string(MAXIMUM_FILENAME_BYTES) + " bytes");
        }
        filename = NiftiToDicom::DicomValues::ToValidUtf8(body["Filename"].asString());
      }

      Json::Value description = UploadStore::Get().GetSessions().Create(size.asUInt64(), filename,
                                                                        ReadSha256(body));
      description["MaximumPartSize"] = static_cast<Json::UInt64>(maximumPartBytes_);
      HttpAnswers::AnswerJson(output, description);
    }

    void PutPart(const std::string& id, const OrthancPluginHttpRequest* request, OrthancPluginRestOutput* output)
    {
      if (request->bodySize > maximumPartBytes_)
      {
        throw ConversionError(ErrorKind::TooLarge,
                              "The part (" + std::to_string(request->bodySize) + " bytes) exceeds the maximum part "
                              "size of " + std::to_string(maximumPartBytes_) + " bytes (configuration option "
                              "NiftiToDicom.MaximumPartSize); send smaller parts. Nothing was written");
      }

      uint64_t offset;
      if (!ParseOffset(offset, GetHeader(request, "X-Part-Offset")))
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "Header X-Part-Offset must give the part's offset in the file, in bytes (the "
                              "session's \"Received\" for the next part)");
      }

      std::string sha256 = GetHeader(request, "X-Part-SHA256");
      if (!Sha256::Normalize(sha256))
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "Header X-Part-SHA256 must give the SHA-256 of the part, as 64 hexadecimal digits "
                              "(as sha256sum prints it)");
      }

      Json::Value description = UploadStore::Get().GetSessions().AppendPart(id, offset, request->body,
                                                                            request->bodySize, sha256);
      description["MaximumPartSize"] = static_cast<Json::UInt64>(maximumPartBytes_);
      HttpAnswers::AnswerJson(output, description);
    }

    void HandleCollection(OrthancPluginRestOutput* output, const char* url, const OrthancPluginHttpRequest* request)
    {
      if (request->method == OrthancPluginHttpMethod_Post)
      {
        CreateSession(request, output);
      }
      else if (request->method == OrthancPluginHttpMethod_Get)
      {
        Json::Value list(Json::arrayValue);
        for (const std::string& id : UploadStore::Get().GetSessions().List())
        {
          list.append(id);
        }
        HttpAnswers::AnswerJson(output, list);
      }
      else
      {
        OrthancPluginSendMethodNotAllowed(OrthancContext::Get(), output, "GET,POST");
      }
    }

    void HandleSession(OrthancPluginRestOutput* output, const char* url, const OrthancPluginHttpRequest* request)
    {
      const std::string id = request->groups[0];
      switch (request->method)
      {
        case OrthancPluginHttpMethod_Get:
          HttpAnswers::AnswerJson(output, Describe(id));
          break;

        case OrthancPluginHttpMethod_Put:
          PutPart(id, request, output);
          break;

        case OrthancPluginHttpMethod_Delete:
          if (!UploadStore::Get().GetSessions().Delete(id))
          {
            Describe(id);  // answers 404 with the reason
          }
          HttpAnswers::AnswerJson(output, Json::Value(Json::objectValue));
          break;

        default:
          OrthancPluginSendMethodNotAllowed(OrthancContext::Get(), output, "GET,PUT,DELETE");
      }
    }

    void HandleFinish(OrthancPluginRestOutput* output, const char* url, const OrthancPluginHttpRequest* request)
    {
      if (request->method != OrthancPluginHttpMethod_Post)
      {
        OrthancPluginSendMethodNotAllowed(OrthancContext::Get(), output, "POST");
        return;
      }
      const std::string id = request->groups[0];
      UploadStore::Get().GetSessions().Finish(id, ReadSha256(ReadBody(request)));
      HttpAnswers::AnswerJson(output, UploadStore::Get().Describe(id));
    }
  }


  void UploadSessionsRoute::Configure(size_t maximumPartBytes)
  {
    maximumPartBytes_ = maximumPartBytes;
  }


  void UploadSessionsRoute::Register(OrthancPluginContext* context)
  {
    OrthancPluginRegisterRestCallbackNoLock(context, "/nifti/uploads/sessions", ProtectedRoute<HandleCollection>);
    OrthancPluginRegisterRestCallbackNoLock(context, "/nifti/uploads/sessions/([^/]+)",
                                            ProtectedRoute<HandleSession>);
    OrthancPluginRegisterRestCallbackNoLock(context, "/nifti/uploads/sessions/([^/]+)/finish",
                                            ProtectedRoute<HandleFinish>);
  }
}
