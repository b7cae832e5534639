#pragma once

#include <json/value.h>

#include <string>

namespace NiftiToDicomPlugin
{
  // Calls into Orthanc's own REST API (no HTTP, no authentication).
  // Each returns false when Orthanc answers "unknown resource"; other
  // failures throw ConversionError(Internal).
  class RestHelpers
  {
  public:
    static bool GetJson(Json::Value& answer, const std::string& uri);

    static bool GetString(std::string& answer, const std::string& uri);

    static void PostJson(Json::Value& answer, const std::string& uri, const std::string& body);

    static void PostJson(Json::Value& answer, const std::string& uri, const void* body, size_t size);

    static bool Delete(const std::string& uri);

    static bool GetDicomForInstance(std::string& target, const std::string& instanceId);

    // The Orthanc ID of the resource of "type" ("Study", "Series") with this DICOM UID
    static bool LookupUid(std::string& orthancId, const std::string& uid, const char* type);

    // Deletes the series with this SeriesInstanceUID, if Orthanc has it; returns its Orthanc ID or ""
    static std::string DeleteSeriesByUid(const std::string& seriesInstanceUid);
  };
}
