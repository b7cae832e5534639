#include "Orthanc/RestHelpers.h"

#include "Orthanc/MemoryBuffer.h"
#include "Orthanc/OrthancContext.h"

#include "Common/ConversionError.h"

#include <Logging.h>
#include <Toolbox.h>

#include <chrono>
#include <random>
#include <strings.h>
#include <thread>

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;

  namespace
  {
    const unsigned int MAX_ATTEMPTS = 9;   // pauses of 25, 50, ... 1000 ms: about 4 s in all

    void ThrowOrthancError(OrthancPluginErrorCode code, const std::string& what)
    {
      if (code == OrthancPluginErrorCode_DatabaseCannotSerialize)
      {
        throw ConversionError(ErrorKind::Unavailable,
                              "The database stayed busy with concurrent writes of other Orthanc nodes while Orthanc "
                              "tried to " + what + "; nothing of this request was kept, try again");
      }
      if (code == OrthancPluginErrorCode_FullStorage || code == OrthancPluginErrorCode_CannotWriteFile)
      {
        // Orthanc's filesystem storage reports a full disk as a file it cannot write
        throw ConversionError(ErrorKind::InsufficientStorage,
                              "Orthanc could not store what it was given (" + OrthancContext::DescribeError(code) +
                              ") when asked to " + what + ": its storage is most likely full; nothing of this "
                              "request was kept. Ask the administrator to free space in Orthanc's storage "
                              "(StorageDirectory, or raise MaximumStorageSize), then import again");
      }
      throw ConversionError(ErrorKind::Internal, "Orthanc failed to " + what + ": " + OrthancContext::DescribeError(code));
    }

    // Calls "call" until it answers anything but a transient database
    // conflict, or MAX_ATTEMPTS times; the pauses are spread at random so
    // that the nodes in conflict do not meet again
    template <typename Call>
    OrthancPluginErrorCode WithRetries(const Call& call, const std::string& what)
    {
      static thread_local std::minstd_rand random(std::random_device{}());
      unsigned int pause = 25;
      for (unsigned int attempt = 1; ; attempt++)
      {
        const OrthancPluginErrorCode code = call();
        if (code != OrthancPluginErrorCode_DatabaseCannotSerialize || attempt == MAX_ATTEMPTS)
        {
          return code;
        }
        LOG(INFO) << "NIfTI-to-DICOM: database conflict while trying to " << what << ", attempt " << attempt
                  << " again after a pause";
        std::this_thread::sleep_for(std::chrono::milliseconds(pause / 2 + random() % (pause / 2 + 1)));
        pause = std::min(1000u, pause * 2);
      }
    }

    bool IsUnknownResource(OrthancPluginErrorCode code)
    {
      return code == OrthancPluginErrorCode_UnknownResource || code == OrthancPluginErrorCode_InexistentItem;
    }

    bool Get(MemoryBuffer& answer, const std::string& uri)
    {
      const OrthancPluginErrorCode code = WithRetries([&] {
        return OrthancPluginRestApiGet(OrthancContext::Get(), &answer, uri.c_str());
      }, "answer GET " + uri);
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
    const OrthancPluginErrorCode code = WithRetries([&] {
      return OrthancPluginRestApiPost(OrthancContext::Get(), &buffer, uri.c_str(), body, static_cast<uint32_t>(size));
    }, "answer POST " + uri);
    if (code != OrthancPluginErrorCode_Success)
    {
      ThrowOrthancError(code, "answer POST " + uri);
    }
    buffer.ToJson(answer);
  }


  bool RestHelpers::Delete(const std::string& uri)
  {
    const OrthancPluginErrorCode code = WithRetries([&] {
      return OrthancPluginRestApiDelete(OrthancContext::Get(), uri.c_str());
    }, "answer DELETE " + uri);
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
    const OrthancPluginErrorCode code = WithRetries([&] {
      return OrthancPluginGetDicomForInstance(OrthancContext::Get(), &buffer, instanceId.c_str());
    }, "read the DICOM file of instance " + instanceId);
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


  namespace
  {
    std::string FindETag(const MemoryBuffer& headers)
    {
      Json::Value json;
      if (headers.GetSize() == 0 ||
          !Orthanc::Toolbox::ReadJson(json, std::string(headers.GetData(), headers.GetSize())) || !json.isObject())
      {
        return "";
      }
      for (const std::string& name : json.getMemberNames())
      {
        if (strcasecmp(name.c_str(), "ETag") == 0 && json[name].isString())
        {
          return json[name].asString();
        }
      }
      return "";
    }
  }


  bool RestHelpers::GetMetadata(std::string& value, std::string& etag, const std::string& uri)
  {
    MemoryBuffer body;
    MemoryBuffer headers;
    uint16_t status = 0;
    const OrthancPluginErrorCode code = WithRetries([&] {
      return OrthancPluginCallRestApi(OrthancContext::Get(), &body, &headers, &status, OrthancPluginHttpMethod_Get,
                                      uri.c_str(), 0, nullptr, nullptr, nullptr, 0, 0);
    }, "answer GET " + uri);
    if (IsUnknownResource(code) || status == 404)
    {
      return false;
    }
    if (code != OrthancPluginErrorCode_Success || status != 200)
    {
      ThrowOrthancError(code == OrthancPluginErrorCode_Success ? OrthancPluginErrorCode_InternalError : code,
                        "answer GET " + uri);
    }
    value.assign(body.GetData(), body.GetSize());
    etag = FindETag(headers);
    return true;
  }


  bool RestHelpers::PutMetadata(const std::string& uri, const std::string& value, const std::string& ifMatch)
  {
    const char* keys[] = { "If-Match" };
    const char* values[] = { ifMatch.c_str() };
    const uint32_t count = ifMatch.empty() ? 0 : 1;

    MemoryBuffer body;
    uint16_t status = 0;
    const OrthancPluginErrorCode code = WithRetries([&] {
      return OrthancPluginCallRestApi(OrthancContext::Get(), &body, nullptr, &status, OrthancPluginHttpMethod_Put,
                                      uri.c_str(), count, keys, values, value.data(),
                                      static_cast<uint32_t>(value.size()), 0);
    }, "answer PUT " + uri);
    if (code == OrthancPluginErrorCode_Revision || status == 409)
    {
      return false;
    }
    if (code != OrthancPluginErrorCode_Success || status >= 300)
    {
      ThrowOrthancError(code == OrthancPluginErrorCode_Success ? OrthancPluginErrorCode_InternalError : code,
                        "answer PUT " + uri);
    }
    return true;
  }
}
