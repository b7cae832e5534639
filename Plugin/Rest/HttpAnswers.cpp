#include "Rest/HttpAnswers.h"

#include "Orthanc/OrthancContext.h"

#include <Logging.h>
#include <OrthancException.h>

#include <json/writer.h>

#include <new>

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;

  namespace
  {
    const char* ReasonPhrase(int status)
    {
      switch (status)
      {
        case 400: return "Bad Request";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 409: return "Conflict";
        case 413: return "Payload Too Large";
        case 415: return "Unsupported Media Type";
        case 503: return "Service Unavailable";
        case 507: return "Insufficient Storage";
        default:  return "Internal Server Error";
      }
    }

    const char* MethodName(OrthancPluginHttpMethod method)
    {
      switch (method)
      {
        case OrthancPluginHttpMethod_Get:    return "GET";
        case OrthancPluginHttpMethod_Post:   return "POST";
        case OrthancPluginHttpMethod_Put:    return "PUT";
        case OrthancPluginHttpMethod_Delete: return "DELETE";
        default:                             return "UNKNOWN";
      }
    }
  }


  void HttpAnswers::AnswerJson(OrthancPluginRestOutput* output, const Json::Value& value)
  {
    Json::StreamWriterBuilder builder;
    builder["indentation"] = "  ";
    const std::string body = Json::writeString(builder, value) + "\n";
    OrthancPluginAnswerBuffer(OrthancContext::Get(), output, body.c_str(),
                              static_cast<uint32_t>(body.size()), "application/json");
  }


  void HttpAnswers::AnswerError(OrthancPluginRestOutput* output, const char* url,
                                const OrthancPluginHttpRequest* request, int httpStatus, const std::string& message)
  {
    AnswerError(output, std::string(url), MethodName(request->method), httpStatus, message);
  }


  void HttpAnswers::AnswerError(OrthancPluginRestOutput* output, const std::string& url, const char* method,
                                int httpStatus, const std::string& message)
  {
    Json::Value error(Json::objectValue);
    error["HttpError"] = ReasonPhrase(httpStatus);
    error["HttpStatus"] = httpStatus;
    error["Message"] = message;
    error["Method"] = method;
    error["Uri"] = url;

    Json::StreamWriterBuilder builder;
    builder["indentation"] = "  ";
    const std::string body = Json::writeString(builder, error) + "\n";
    OrthancPluginSendHttpStatus(OrthancContext::Get(), output, static_cast<uint16_t>(httpStatus),
                                body.c_str(), static_cast<uint32_t>(body.size()));
  }


  int HttpAnswers::GetHttpStatus(ErrorKind kind)
  {
    switch (kind)
    {
      case ErrorKind::InvalidInput:    return 400;
      case ErrorKind::UnknownResource: return 404;
      case ErrorKind::Forbidden:       return 403;
      case ErrorKind::TooLarge:        return 413;
      case ErrorKind::Unsupported:     return 415;
      case ErrorKind::Conflict:        return 409;
      case ErrorKind::Unavailable:     return 503;
      case ErrorKind::InsufficientStorage: return 507;
      default:                         return 500;
    }
  }


  OrthancPluginErrorCode HttpAnswers::Protect(RestHandler handler, OrthancPluginRestOutput* output,
                                              const char* url, const OrthancPluginHttpRequest* request)
  {
    try
    {
      try
      {
        handler(output, url, request);
        return OrthancPluginErrorCode_Success;
      }
      catch (ConversionError& e)
      {
        const int status = GetHttpStatus(e.GetKind());
        if (status >= 500)
        {
          LOG(ERROR) << "NIfTI-to-DICOM: " << url << ": " << e.what();
        }
        else
        {
          LOG(INFO) << "NIfTI-to-DICOM: refused " << url << " (" << status << "): " << e.what();
        }
        AnswerError(output, url, request, status, e.what());
      }
      catch (Orthanc::OrthancException& e)
      {
        LOG(ERROR) << "NIfTI-to-DICOM: " << url << ": " << e.What();
        AnswerError(output, url, request, 500, std::string("Internal error: ") + e.What());
      }
      catch (std::bad_alloc&)
      {
        LOG(ERROR) << "NIfTI-to-DICOM: " << url << ": out of memory";
        AnswerError(output, url, request, 507,
                    "Orthanc ran out of memory while converting the NIfTI file; try a smaller file "
                    "or give the server more memory");
      }
      catch (std::exception& e)
      {
        LOG(ERROR) << "NIfTI-to-DICOM: " << url << ": " << e.what();
        AnswerError(output, url, request, 500, std::string("Internal error: ") + e.what());
      }
      return OrthancPluginErrorCode_Success;
    }
    catch (...)
    {
      // Even answering failed: let the core produce its generic error
      return OrthancPluginErrorCode_Plugin;
    }
  }
}
