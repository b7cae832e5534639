#pragma once

#include "Common/ConversionError.h"

#include <orthanc/OrthancCPlugin.h>

#include <json/value.h>

#include <string>

namespace NiftiToDicomPlugin
{
  typedef void (*RestHandler)(OrthancPluginRestOutput* output, const char* url,
                              const OrthancPluginHttpRequest* request);

  class HttpAnswers
  {
  public:
    static void AnswerJson(OrthancPluginRestOutput* output, const Json::Value& value);

    // An error in the shape of Orthanc's own (HttpDescribeErrors):
    // {"HttpError", "HttpStatus", "Message", "Method", "Uri"}
    static void AnswerError(OrthancPluginRestOutput* output, const char* url,
                            const OrthancPluginHttpRequest* request, int httpStatus, const std::string& message);

    static void AnswerError(OrthancPluginRestOutput* output, const std::string& url, const char* method,
                            int httpStatus, const std::string& message);

    static int GetHttpStatus(NiftiToDicom::ErrorKind kind);

    // Runs "handler" so that no exception reaches the Orthanc core: each is
    // answered as a JSON error with a suitable HTTP status, and logged.
    static OrthancPluginErrorCode Protect(RestHandler handler, OrthancPluginRestOutput* output,
                                          const char* url, const OrthancPluginHttpRequest* request);
  };

  // Adapts a handler to the SDK's callback signature with the barrier above
  template <RestHandler Handler>
  OrthancPluginErrorCode ProtectedRoute(OrthancPluginRestOutput* output, const char* url,
                                        const OrthancPluginHttpRequest* request)
  {
    return HttpAnswers::Protect(Handler, output, url, request);
  }
}
