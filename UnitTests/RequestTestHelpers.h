#pragma once

#include "Request/ImportRequest.h"

#include <json/value.h>
#include <json/writer.h>

#include <string>

namespace NiftiTest
{
  // The smallest valid body of POST /nifti/import: an upload into a study
  inline Json::Value MakeUploadRequestBody()
  {
    Json::Value body(Json::objectValue);
    body["Upload"] = "0123456789abcdef0123456789abcdef";
    body["ParentStudy"] = "study";
    return body;
  }

  // Parses "body" as the route does, from its text
  inline NiftiToDicom::ImportRequest ParseRequestBody(const Json::Value& body)
  {
    Json::StreamWriterBuilder builder;
    const std::string text = Json::writeString(builder, body);
    return NiftiToDicom::ImportRequest::Parse(text.data(), text.size(), 1 << 20);
  }
}
