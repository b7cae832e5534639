#include "Uploads/UploadStore.h"

#include "Uploads/NodeRegistry.h"

#include "PluginServices.h"

#include "Common/ConversionError.h"

#include <ctime>

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;

  UploadStore::UploadStore(const std::string& directory, const NodeRegistry& nodes, unsigned int expirationSeconds,
                           uint64_t maxBytes, unsigned int maxSessions) :
    nodes_(nodes),
    directory_(directory, nodes.GetSelf()),
    holds_(directory + "/holds", nodes),
    sessions_(directory + "/sessions", directory_, nodes, expirationSeconds, maxBytes, maxSessions),
    expiration_(expirationSeconds),
    maxBytes_(maxBytes)
  {
    directory_.RemoveAbandonedParts(nodes_);
  }


  bool UploadStore::IsInUse(const std::string& id)
  {
    return holds_.IsHeld(id);
  }


  std::unique_ptr<UploadWriter> UploadStore::StartUpload()
  {
    return std::unique_ptr<UploadWriter>(new UploadWriter(directory_, maxBytes_));
  }


  std::string UploadStore::CreateFromMemory(const std::string& bytes, const std::string& filename)
  {
    std::unique_ptr<UploadWriter> writer = StartUpload();
    if (!writer->Append(bytes.data(), bytes.size()))
    {
      throw ConversionError(ErrorKind::TooLarge, "The NIfTI file exceeds the maximum upload size");
    }
    return writer->Finish(filename);
  }


  bool UploadStore::GetInfo(Json::Value& info, const std::string& id)
  {
    Json::Value stored;
    if (!directory_.ReadInfo(stored, id))
    {
      return false;
    }

    const time_t expires = static_cast<time_t>(stored["Created"].asInt64()) + expiration_;
    const bool inUse = IsInUse(id);
    if (!inUse && time(nullptr) >= expires)
    {
      Delete(id);  // expired, the purger has not come by yet
      return false;
    }

    info = stored;
    info.removeMember("Created");
    info["Path"] = "/nifti/uploads/" + id;
    info["Expires"] = UploadDirectory::FormatTime(expires);
    info["InUse"] = inUse;
    return true;
  }


  Json::Value UploadStore::Describe(const std::string& id)
  {
    Json::Value info;
    if (!GetInfo(info, id))
    {
      throw ConversionError(ErrorKind::UnknownResource,
                            "No upload \"" + id + "\": it was never made, was deleted, or expired "
                            "(uploads last NiftiToDicom.UploadExpiration seconds); upload the file again");
    }
    return info;
  }


  std::string UploadStore::LocateData(const std::string& id)
  {
    Describe(id);
    return directory_.GetDataPath(id);
  }


  std::string UploadStore::ReadContent(const std::string& id, size_t maxBytes, const std::string& purpose)
  {
    const Json::Value info = Describe(id);
    std::string content;
    if (info["Size"].asUInt64() > maxBytes || !directory_.ReadData(content, id))
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "Upload \"" + id + "\" (" + std::to_string(info["Size"].asUInt64()) +
                            " bytes) is too large to be " + purpose + " (at most " + std::to_string(maxBytes) +
                            " bytes); check that the right file was uploaded");
    }
    return content;
  }


  bool UploadStore::Delete(const std::string& id)
  {
    return directory_.Remove(id);
  }


  std::vector<std::string> UploadStore::List()
  {
    std::vector<std::string> alive;
    for (const std::string& id : directory_.ListIds())
    {
      Json::Value info;
      if (GetInfo(info, id))
      {
        alive.push_back(id);
      }
    }
    return alive;
  }


  void UploadStore::Acquire(const std::string& id)
  {
    holds_.Acquire(id);
  }


  void UploadStore::Release(const std::string& id)
  {
    holds_.Release(id);
  }


  void UploadStore::PurgeExpired()
  {
    List();  // GetInfo() deletes each expired upload it meets
    directory_.RemoveAbandonedParts(nodes_);
    holds_.RemoveAbandoned();
    sessions_.PurgeExpired();
  }


  UploadStore& UploadStore::Get()
  {
    return PluginServices::Get().GetUploadStore();
  }
}
