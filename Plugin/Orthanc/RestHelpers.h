#pragma once

#include <json/value.h>

#include <string>

namespace NiftiToDicomPlugin
{
  // Calls into Orthanc's own REST API (no HTTP, no authentication).
  // Each returns false when Orthanc answers "unknown resource"; other
  // failures throw ConversionError(Internal).
  //
  // With several Orthanc nodes on one PostgreSQL index, a call may fail
  // with "could not serialize access" (OrthancPluginErrorCode_
  // DatabaseCannotSerialize) when another node writes at the same moment,
  // even after the index plugin's own retries. Every call here is then
  // tried again, with a growing pause (about 4 s in all); if the conflict
  // persists it throws ConversionError(Unavailable), answered 503.
  class RestHelpers
  {
  public:
    // A study/series metadata read with its revision ("ETag"): false if absent
    static bool GetMetadata(std::string& value, std::string& etag, const std::string& uri);

    // Writes a metadata; with "ifMatch" non-empty, only if its revision is
    // still that one (false otherwise: someone else wrote it meanwhile).
    // Without, writes whatever is there (or creates it).
    static bool PutMetadata(const std::string& uri, const std::string& value, const std::string& ifMatch);

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
