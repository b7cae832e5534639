#include "Orthanc/RestHelpers.h"

#include "Orthanc/MemoryBuffer.h"
#include "Orthanc/OrthancContext.h"

#include "Common/ConversionError.h"

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;

  namespace
  {
    void ThrowOrthancError(OrthancPluginErrorCode code, const std::string& what)
    {
      throw ConversionError(ErrorKind::Internal, "Orthanc failed to " + what + ": " + OrthancContext::DescribeError(code));
    }

    bool IsUnknownResource(OrthancPluginErrorCode code)
    {
      return code == OrthancPluginErrorCode_UnknownResource || code == OrthancPluginErrorCode_InexistentItem;
    }

    bool Get(MemoryBuffer& answer, const std::string& uri)
    {
      const OrthancPluginErrorCode code = OrthancPluginRestApiGet(OrthancContext::Get(), &answer, uri.c_str());
      if (IsUnknownResource(code))
      {
        return false;
      }
      if (code != OrthancPluginErrorCode_Success)
      {
        ThrowOrthancError(code, "answer GET " + uri);
      }
      return true;
    }
  }


  bool RestHelpers::GetJson(Json::Value& answer, const std::string& uri)
  {
    MemoryBuffer buffer;
    if (!Get(buffer, uri))
    {
      return false;
    }
    buffer.ToJson(answer);
    return true;
  }


  bool RestHelpers::GetString(std::string& answer, const std::string& uri)
  {
    MemoryBuffer buffer;
    if (!Get(buffer, uri))
    {
      return false;
    }
    answer.assign(buffer.GetData(), buffer.GetSize());
    return true;
  }


  void RestHelpers::PostJson(Json::Value& answer, const std::string& uri, const std::string& body)
  {
    PostJson(answer, uri, body.data(), body.size());
  }


  void RestHelpers::PostJson(Json::Value& answer, const std::string& uri, const void* body, size_t size)
  {
    MemoryBuffer buffer;
    const OrthancPluginErrorCode code =
      OrthancPluginRestApiPost(OrthancContext::Get(), &buffer, uri.c_str(), body, static_cast<uint32_t>(size));
    if (code != OrthancPluginErrorCode_Success)
    {
      ThrowOrthancError(code, "answer POST " + uri);
    }
    buffer.ToJson(answer);
  }


  bool RestHelpers::Delete(const std::string& uri)
  {
    const OrthancPluginErrorCode code = OrthancPluginRestApiDelete(OrthancContext::Get(), uri.c_str());
    if (IsUnknownResource(code))
    {
      return false;
    }
    if (code != OrthancPluginErrorCode_Success)
    {
      ThrowOrthancError(code, "answer DELETE " + uri);
    }
    return true;
  }


  bool RestHelpers::GetDicomForInstance(std::string& target, const std::string& instanceId)
  {
    MemoryBuffer buffer;
    const OrthancPluginErrorCode code =
      OrthancPluginGetDicomForInstance(OrthancContext::Get(), &buffer, instanceId.c_str());
    if (IsUnknownResource(code))
    {
      return false;
    }
    if (code != OrthancPluginErrorCode_Success)
    {
      ThrowOrthancError(code, "read the DICOM file of instance " + instanceId);
    }
    target.assign(buffer.GetData(), buffer.GetSize());
    return true;
  }


  bool RestHelpers::LookupUid(std::string& orthancId, const std::string& uid, const char* type)
  {
    Json::Value matches;
    PostJson(matches, "/tools/lookup", uid);
    for (const Json::Value& match : matches)
    {
      if (match["Type"].asString() == type)
      {
        orthancId = match["ID"].asString();
        return true;
      }
    }
    return false;
  }


  std::string RestHelpers::DeleteSeriesByUid(const std::string& seriesInstanceUid)
  {
    std::string series;
    if (LookupUid(series, seriesInstanceUid, "Series") && Delete("/series/" + series))
    {
      return series;
    }
    return "";
  }
}
