#include "Uploads/UploadSessions.h"

#include "Uploads/NodeRegistry.h"
#include "Uploads/PositionedFile.h"
#include "Uploads/Sha256.h"
#include "Uploads/UploadClassifier.h"
#include "Uploads/UploadDirectory.h"
#include "Uploads/UploadSessionLock.h"

#include "Common/ConversionError.h"

#include <Logging.h>
#include <OrthancException.h>
#include <SystemToolbox.h>
#include <Toolbox.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <vector>

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;

  namespace
  {
    const char* const PATH_PREFIX = "/nifti/uploads/sessions/";

    ConversionError Gone(const std::string& id)
    {
      return ConversionError(ErrorKind::UnknownResource,
                             "No upload session \"" + id + "\": it was never created, was deleted, finished (then "
                             "GET /nifti/uploads/" + id + " shows the upload) or expired (sessions last "
                             "NiftiToDicom.UploadExpiration seconds after their last part); start a new session");
    }

    ConversionError Busy(const std::string& id)
    {
      return ConversionError(ErrorKind::Conflict,
                             "Another request is changing upload session \"" + id + "\" (through this Orthanc or "
                             "another node sharing the upload folder); send one part at a time, retry in a moment");
    }

    // Free bytes for an unprivileged writer in the file system of "directory";
    // the largest value if it cannot be known (the writes will tell)
    uint64_t GetFreeBytes(const std::string& directory)
    {
      struct statvfs info;
      if (statvfs(directory.c_str(), &info) != 0)
      {
        return UINT64_MAX;
      }
      return static_cast<uint64_t>(info.f_bavail) * static_cast<uint64_t>(info.f_frsize);
    }

    void RemoveQuietly(const std::string& path)
    {
      if (unlink(path.c_str()) != 0 && errno != ENOENT)
      {
        LOG(WARNING) << "NIfTI-to-DICOM: cannot remove " << path << ": " << strerror(errno);
      }
    }
  }


  UploadSessions::UploadSessions(const std::string& path, UploadDirectory& uploads, const NodeRegistry& nodes,
                                 unsigned int expirationSeconds, uint64_t maxBytes, unsigned int maxSessions) :
    path_(path),
    uploads_(uploads),
    nodes_(nodes),
    expiration_(expirationSeconds),
    maxBytes_(maxBytes),
    maxSessions_(maxSessions)
  {
    try
    {
      Orthanc::SystemToolbox::MakeDirectory(path_);
    }
    catch (Orthanc::OrthancException& e)
    {
      throw std::runtime_error("Cannot create the upload session directory " + path_ + ": " + e.What());
    }
  }


  std::string UploadSessions::GetStatePath(const std::string& id) const
  {
    return path_ + "/" + id + ".json";
  }


  std::string UploadSessions::GetBytesPath(const std::string& id) const
  {
    return path_ + "/" + id + ".bytes";
  }


  std::string UploadSessions::GetLockPath(const std::string& id) const
  {
    return path_ + "/" + id + ".lock";
  }


  bool UploadSessions::ReadState(Json::Value& state, uint64_t& received, time_t& lastActivity, const std::string& id)
  {
    struct stat bytes;
    if (!UploadDirectory::IsValidId(id) || stat(GetBytesPath(id).c_str(), &bytes) != 0)
    {
      return false;
    }

    try
    {
      std::string text;
      Orthanc::SystemToolbox::ReadFile(text, GetStatePath(id), false);
      if (!Orthanc::Toolbox::ReadJson(state, text) || !state.isObject())
      {
        return false;
      }
    }
    catch (Orthanc::OrthancException&)
    {
      return false;
    }

    received = static_cast<uint64_t>(bytes.st_size);
    lastActivity = std::max(static_cast<time_t>(state["Created"].asInt64()), bytes.st_mtime);
    return time(nullptr) < lastActivity + static_cast<time_t>(expiration_);
  }


  Json::Value UploadSessions::LoadState(uint64_t& received, const std::string& id)
  {
    Json::Value state;
    time_t lastActivity;
    if (!ReadState(state, received, lastActivity, id))
    {
      throw Gone(id);
    }
    return state;
  }


  Json::Value UploadSessions::Format(const Json::Value& state, uint64_t received, time_t lastActivity) const
  {
    Json::Value description(Json::objectValue);
    description["ID"] = state["ID"];
    description["Path"] = PATH_PREFIX + state["ID"].asString();
    description["Size"] = state["Size"];
    description["Received"] = static_cast<Json::UInt64>(received);
    description["Filename"] = state["Filename"];
    if (state.isMember("SHA256"))
    {
      description["SHA256"] = state["SHA256"];
    }
    description["Expires"] = UploadDirectory::FormatTime(lastActivity + static_cast<time_t>(expiration_));
    return description;
  }


  void UploadSessions::RemoveFiles(const std::string& id)
  {
    // The description first: without it, the bytes are no session any more
    RemoveQuietly(GetStatePath(id));
    RemoveQuietly(GetBytesPath(id));
  }


  Json::Value UploadSessions::Create(uint64_t size, const std::string& filename, const std::string& sha256)
  {
    if (size == 0)
    {
      throw ConversionError(ErrorKind::InvalidInput, "\"Size\" must be the file's size in bytes, at least 1");
    }
    if (size > maxBytes_)
    {
      throw ConversionError(ErrorKind::TooLarge,
                            "The file (" + std::to_string(size) + " bytes) exceeds the maximum upload size of " +
                            std::to_string(maxBytes_ >> 20) + " MB (configuration option "
                            "NiftiToDicom.MaximumUploadSize)");
    }

    // Every session is files in the shared folder and a line of GET /nifti/uploads/sessions: a client
    // looping on this route must not fill the folder. Counted by name (expired ones until the sweep removes
    // them), so nodes sharing the folder share the limit; creations racing at the limit may pass it by a few
    size_t underWay = 0;
    for (const std::string& name : UploadDirectory::ListFiles(path_))
    {
      const size_t dot = name.find('.');
      if (dot != std::string::npos && name.compare(dot, std::string::npos, ".json") == 0 &&
          UploadDirectory::IsValidId(name.substr(0, dot)))
      {
        underWay++;
      }
    }
    if (underWay >= maxSessions_)
    {
      throw ConversionError(ErrorKind::Unavailable,
                            "There are already " + std::to_string(underWay) + " upload sessions under way (at most " +
                            std::to_string(maxSessions_) + ", configuration option "
                            "NiftiToDicom.MaximumUploadSessions): finish or delete the ones not needed any more "
                            "(GET /nifti/uploads/sessions lists them), or try again once unused ones expire");
    }

    // Refused now rather than when the disk fills, most of the file sent in vain (the
    // sessions under way may need some of that room too: their parts would then get a 507)
    const uint64_t available = GetFreeBytes(path_);
    if (size > available)
    {
      LOG(WARNING) << "NIfTI-to-DICOM: an upload session of " << size << " bytes was refused: " << path_
                   << " has " << available << " bytes free (NiftiToDicom.UploadDirectory)";
      throw ConversionError(ErrorKind::InsufficientStorage,
                            "The file (" + std::to_string(size >> 20) + " MB) does not fit in Orthanc's upload "
                            "folder, which has " + std::to_string(available >> 20) + " MB free: ask the "
                            "administrator to free space there (NiftiToDicom.UploadDirectory), then start the "
                            "upload again; nothing was created");
    }

    const std::string id = UploadDirectory::CreateId();
    Json::Value state(Json::objectValue);
    state["ID"] = id;
    state["Size"] = static_cast<Json::UInt64>(size);
    state["Filename"] = filename;
    state["Created"] = static_cast<Json::Int64>(time(nullptr));
    if (!sha256.empty())
    {
      state["SHA256"] = sha256;
    }

    // The bytes first, then the description that makes the session exist
    if (!PositionedFile::CreateEmpty(GetBytesPath(id)))
    {
      throw UploadDirectory::WriteFailure(GetBytesPath(id), errno, "then start the upload again; nothing was created");
    }

    std::string text;
    Orthanc::Toolbox::WriteFastJson(text, state);
    const std::string temporary = GetStatePath(id) + ".tmp";
    try
    {
      Orthanc::SystemToolbox::WriteFile(text, temporary);
    }
    catch (Orthanc::OrthancException& e)
    {
      RemoveQuietly(temporary);
      RemoveQuietly(GetBytesPath(id));
      throw UploadDirectory::WriteFailure(temporary, e.What());
    }
    if (rename(temporary.c_str(), GetStatePath(id).c_str()) != 0)
    {
      const int error = errno;
      RemoveQuietly(temporary);
      RemoveQuietly(GetBytesPath(id));
      throw UploadDirectory::WriteFailure(GetStatePath(id), error, "then start the upload again; nothing was created");
    }

    LOG(INFO) << "NIfTI-to-DICOM: upload session " << id << " created (" << size << " bytes expected)";
    return Format(state, 0, static_cast<time_t>(state["Created"].asInt64()));
  }


  Json::Value UploadSessions::Describe(const std::string& id)
  {
    Json::Value state;
    uint64_t received;
    time_t lastActivity;
    if (!ReadState(state, received, lastActivity, id))
    {
      throw Gone(id);
    }
    return Format(state, received, lastActivity);
  }


  Json::Value UploadSessions::AppendPart(const std::string& id, uint64_t offset, const void* data, size_t size,
                                         const std::string& sha256)
  {
    if (size == 0)
    {
      throw ConversionError(ErrorKind::InvalidInput, "The part is empty: send the part's bytes as the request body");
    }

    if (!UploadDirectory::IsValidId(id))
    {
      throw Gone(id);  // and no lock file of a name the client chose
    }

    // Before anything is locked or written: a corrupted part harms nothing
    const std::string actual = Sha256::Compute(data, size);
    if (actual != sha256)
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The part's SHA-256 is " + actual + ", not " + sha256 + " (header X-Part-SHA256): "
                            "it was damaged on its way; nothing was written, send the part again");
    }

    UploadSessionLock lock(GetLockPath(id), nodes_);
    if (!lock.IsAcquired())
    {
      throw Busy(id);
    }

    uint64_t received;
    const Json::Value state = LoadState(received, id);
    const uint64_t expected = state["Size"].asUInt64();

    if (offset > received)
    {
      throw ConversionError(ErrorKind::Conflict,
                            "The part starts at offset " + std::to_string(offset) + " but only " +
                            std::to_string(received) + " bytes were received: a part is missing; send the part "
                            "at offset " + std::to_string(received) + " (GET the session for the offset to resume at)");
    }
    if (offset + size > expected)
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The part ends at byte " + std::to_string(offset + size) + ", beyond the declared size of "
                            "the file (" + std::to_string(expected) + " bytes); nothing was written");
    }

    PositionedFile bytes(GetBytesPath(id));
    if (!bytes.IsOpen())
    {
      throw Gone(id);
    }

    const char* part = static_cast<const char*>(data);
    const uint64_t overlap = std::min<uint64_t>(received, offset + size) - offset;
    if (overlap > 0)
    {
      // A part sent again (its answer was lost): accepted only if identical
      std::vector<char> stored(static_cast<size_t>(overlap));
      if (!bytes.ReadAt(stored.data(), stored.size(), offset) ||
          memcmp(stored.data(), part, stored.size()) != 0)
      {
        throw ConversionError(ErrorKind::Conflict,
                              "The part at offset " + std::to_string(offset) + " differs from the bytes already "
                              "received there; nothing was written. Resume at offset " + std::to_string(received) +
                              ", or delete the session and send the file again");
      }
    }

    if (overlap < size && !bytes.WriteAt(part + overlap, size - overlap, received))
    {
      const int error = errno;
      if (!bytes.Truncate(received))
      {
        LOG(ERROR) << "NIfTI-to-DICOM: cannot cut the upload session " << id << " back to " << received << " bytes";
      }
      throw UploadDirectory::WriteFailure(GetBytesPath(id), error, "then send this part again: the " + std::to_string(received) +
                         " bytes received before it are kept (the session's \"Received\")");
    }

    const uint64_t total = std::max<uint64_t>(received, offset + size);
    return Format(state, total, std::max(static_cast<time_t>(state["Created"].asInt64()), time(nullptr)));
  }


  void UploadSessions::Finish(const std::string& id, const std::string& sha256)
  {
    if (!UploadDirectory::IsValidId(id))
    {
      throw Gone(id);
    }

    UploadSessionLock lock(GetLockPath(id), nodes_);
    if (!lock.IsAcquired())
    {
      throw Busy(id);
    }

    Json::Value state;
    uint64_t received;
    time_t lastActivity;
    if (!ReadState(state, received, lastActivity, id))
    {
      Json::Value published;
      if (uploads_.ReadInfo(published, id))
      {
        return;  // finished before: the answer to the first finish was lost
      }
      throw Gone(id);
    }

    const uint64_t expected = state["Size"].asUInt64();
    if (received != expected)
    {
      throw ConversionError(ErrorKind::Conflict,
                            "Only " + std::to_string(received) + " of the " + std::to_string(expected) + " bytes "
                            "declared were received; send the parts from offset " + std::to_string(received) +
                            ", then finish");
    }

    const std::string declared = state.isMember("SHA256") ? state["SHA256"].asString() : std::string();
    if (!declared.empty() && !sha256.empty() && declared != sha256)
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The SHA-256 given (" + sha256 + ") differs from the one declared when the session was "
                            "created (" + declared + "); nothing was imported");
    }

    std::string actual;
    if (!Sha256::ComputeFile(actual, GetBytesPath(id)))
    {
      throw Gone(id);
    }
    const std::string wanted = sha256.empty() ? declared : sha256;
    if (!wanted.empty() && actual != wanted)
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The SHA-256 of the bytes received is " + actual + ", not " + wanted + ": the parts "
                            "are not those of that file. Nothing was stored; delete the session and send the file "
                            "again");
    }

    Json::Value info(Json::objectValue);
    info["ID"] = id;
    info["Size"] = static_cast<Json::UInt64>(received);
    info["Filename"] = state["Filename"];
    info["Created"] = static_cast<Json::Int64>(time(nullptr));
    info["SHA256"] = actual;
    try
    {
      UploadClassifier::Classify(info, GetBytesPath(id), received);
    }
    catch (ConversionError&)
    {
      RemoveFiles(id);  // a file the import refuses stays refused
      throw;
    }

    uploads_.Publish(id, info, GetBytesPath(id));
    RemoveQuietly(GetStatePath(id));
    LOG(INFO) << "NIfTI-to-DICOM: upload session " << id << " finished (" << received << " bytes, "
              << info["Type"].asString() << ")";
  }


  bool UploadSessions::Delete(const std::string& id)
  {
    if (!UploadDirectory::IsValidId(id))
    {
      return false;
    }
    UploadSessionLock lock(GetLockPath(id), nodes_);
    if (!lock.IsAcquired())
    {
      throw Busy(id);
    }
    const bool existed = Orthanc::SystemToolbox::IsRegularFile(GetStatePath(id));
    RemoveFiles(id);
    return existed;
  }


  std::vector<std::string> UploadSessions::List()
  {
    std::vector<std::string> alive;
    for (const std::string& name : UploadDirectory::ListFiles(path_))
    {
      Json::Value state;
      uint64_t received;
      time_t lastActivity;
      const std::string id = name.substr(0, name.find('.'));
      if (name == id + ".json" && ReadState(state, received, lastActivity, id))
      {
        alive.push_back(id);
      }
    }
    return alive;
  }


  void UploadSessions::PurgeExpired()
  {
    const time_t now = time(nullptr);
    for (const std::string& name : UploadDirectory::ListFiles(path_))
    {
      const std::string id = name.substr(0, name.find('.'));
      Json::Value state;
      uint64_t received;
      time_t lastActivity;
      if (!UploadDirectory::IsValidId(id) || ReadState(state, received, lastActivity, id))
      {
        continue;
      }

      // Expired, or a leftover (bytes without a description, a description
      // whose bytes became an upload, a temporary file, the lock of a node
      // that is gone): removed once idle for the expiration
      struct stat file;
      if (stat((path_ + "/" + name).c_str(), &file) != 0 ||
          now < file.st_mtime + static_cast<time_t>(expiration_))
      {
        continue;
      }

      UploadSessionLock lock(GetLockPath(id), nodes_);  // takes over a lock of a node that is gone
      if (lock.IsAcquired())
      {
        LOG(INFO) << "NIfTI-to-DICOM: removing " << name << ", left of an upload session that expired";
        RemoveFiles(id);
        if (name != id + ".json" && name != id + ".bytes" && name != id + ".lock")
        {
          RemoveQuietly(path_ + "/" + name);
        }
      }
    }
  }
}
