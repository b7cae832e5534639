#include "Uploads/UploadDirectory.h"

#include "Uploads/NodeRegistry.h"

#include "Common/ConversionError.h"

#include <Logging.h>
#include <OrthancException.h>
#include <SystemToolbox.h>
#include <Toolbox.h>

#include <boost/filesystem.hpp>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <sys/stat.h>

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;

  namespace
  {
    const size_t ID_LENGTH = 32;

    bool HasSuffix(const std::string& name, const std::string& suffix)
    {
      return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    }

    // A file that cannot be removed is left for the next start or purge
    void RemoveQuietly(const std::string& path)
    {
      try
      {
        Orthanc::SystemToolbox::RemoveFile(path);
      }
      catch (Orthanc::OrthancException& e)
      {
        LOG(WARNING) << "NIfTI-to-DICOM: cannot remove " << path << ": " << e.What();
      }
      catch (std::exception& e)
      {
        LOG(WARNING) << "NIfTI-to-DICOM: cannot remove " << path << ": " << e.what();
      }
    }

  }


  std::vector<std::string> UploadDirectory::ListFiles(const std::string& directory)
  {
    std::vector<std::string> names;
    boost::system::error_code error;
    for (boost::filesystem::directory_iterator it(directory, error), end; !error && it != end; it.increment(error))
    {
      names.push_back(it->path().filename().string());
    }
    return names;
  }


  UploadDirectory::UploadDirectory(const std::string& path, const std::string& owner) :
    path_(path),
    owner_(owner)
  {
    try
    {
      const bool existed = Orthanc::SystemToolbox::IsExistingFile(path_);
      Orthanc::SystemToolbox::MakeDirectory(path_);
      if (!existed)
      {
        chmod(path_.c_str(), 0700);
      }
    }
    catch (Orthanc::OrthancException& e)
    {
      throw std::runtime_error("Cannot create the upload directory " + path_ + ": " + e.What());
    }
    catch (std::exception& e)
    {
      throw std::runtime_error("Cannot create the upload directory " + path_ + ": " + e.what());
    }
  }


  void UploadDirectory::RemoveAbandonedParts(const NodeRegistry& nodes)
  {
    for (const std::string& name : ListFiles(path_))
    {
      if (!HasSuffix(name, ".part"))
      {
        continue;
      }

      // "<id>.<instance>.part"; an older version's "<id>.part" has no owner left
      const std::string stem = name.substr(0, name.size() - 5);
      const std::string owner = (stem.size() > ID_LENGTH + 1 && stem[ID_LENGTH] == '.') ?
        stem.substr(ID_LENGTH + 1) : std::string();
      if (owner.empty() || !nodes.IsAlive(owner))
      {
        LOG(WARNING) << "NIfTI-to-DICOM: removing the partial upload " << name
                     << ", left by an Orthanc that stopped while receiving it";
        RemoveQuietly(path_ + "/" + name);
      }
    }
  }


  std::string UploadDirectory::FormatTime(time_t t)
  {
    std::tm utc;
    gmtime_r(&t, &utc);
    char buffer[32];
    strftime(buffer, sizeof(buffer), "%Y%m%dT%H%M%S", &utc);
    return buffer;
  }


  ConversionError UploadDirectory::WriteFailure(const std::string& path, const std::string& reason)
  {
    LOG(ERROR) << "NIfTI-to-DICOM: cannot write " << path << ": " << reason;
    return ConversionError(ErrorKind::Internal, "Cannot write into Orthanc's upload folder, the "
                           "\"UploadDirectory\" of the NiftiToDicom configuration (" + reason +
                           "; the Orthanc log says where)");
  }


  ConversionError UploadDirectory::WriteFailure(const std::string& path, int error, const std::string& then)
  {
    if (ConversionError::KindOfWriteError(error) != ErrorKind::InsufficientStorage)
    {
      return WriteFailure(path, strerror(error));
    }
    LOG(ERROR) << "NIfTI-to-DICOM: cannot write " << path << ": " << strerror(error)
               << "; free space there (NiftiToDicom.UploadDirectory)";
    return ConversionError(ErrorKind::InsufficientStorage,
                           std::string("The disk of Orthanc's upload folder is full (") + strerror(error) +
                           "): ask the administrator to free space there (NiftiToDicom.UploadDirectory), " + then);
  }


  std::string UploadDirectory::CreateId()
  {
    std::string id;
    for (char c : Orthanc::Toolbox::GenerateUuid())
    {
      if (c != '-')
      {
        id.push_back(tolower(static_cast<unsigned char>(c)));
      }
    }
    return id;
  }


  bool UploadDirectory::IsValidId(const std::string& id)
  {
    if (id.size() != ID_LENGTH)
    {
      return false;
    }
    for (char c : id)
    {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      {
        return false;
      }
    }
    return true;
  }


  std::string UploadDirectory::GetDataPath(const std::string& id) const
  {
    return path_ + "/" + id + ".data";
  }


  std::string UploadDirectory::GetInfoPath(const std::string& id) const
  {
    return path_ + "/" + id + ".json";
  }


  std::string UploadDirectory::GetPartPath(const std::string& id) const
  {
    return path_ + "/" + id + "." + owner_ + ".part";
  }


  std::vector<std::string> UploadDirectory::ListIds() const
  {
    std::vector<std::string> ids;
    for (const std::string& name : ListFiles(path_))
    {
      if (name.size() == ID_LENGTH + 5 && HasSuffix(name, ".data"))
      {
        ids.push_back(name.substr(0, ID_LENGTH));
      }
    }
    return ids;
  }


  bool UploadDirectory::ReadInfo(Json::Value& info, const std::string& id) const
  {
    if (!IsValidId(id) || !Orthanc::SystemToolbox::IsRegularFile(GetDataPath(id)))
    {
      return false;
    }

    try
    {
      std::string text;
      Orthanc::SystemToolbox::ReadFile(text, GetInfoPath(id), false /* no log: a missing upload is no error */);
      return Orthanc::Toolbox::ReadJson(info, text) && info.isObject();
    }
    catch (Orthanc::OrthancException&)
    {
      return false;
    }
  }


  bool UploadDirectory::ReadData(std::string& content, const std::string& id) const
  {
    try
    {
      Orthanc::SystemToolbox::ReadFile(content, GetDataPath(id), false);
      return true;
    }
    catch (Orthanc::OrthancException&)
    {
      return false;
    }
  }


  void UploadDirectory::Publish(const std::string& id, const Json::Value& info)
  {
    Publish(id, info, GetPartPath(id));
  }


  void UploadDirectory::Publish(const std::string& id, const Json::Value& info, const std::string& bytesPath)
  {
    // The description is complete before the bytes make the upload visible
    const std::string infoPath = GetInfoPath(id);
    const std::string temporary = infoPath + ".tmp";
    std::string text;
    Orthanc::Toolbox::WriteFastJson(text, info);

    try
    {
      Orthanc::SystemToolbox::WriteFile(text, temporary);
    }
    catch (Orthanc::OrthancException& e)
    {
      LOG(ERROR) << "NIfTI-to-DICOM: cannot write " << temporary << ": " << e.What()
                 << (e.HasDetails() ? std::string(" (") + e.GetDetails() + ")" : std::string());
      RemoveQuietly(temporary);
      throw ConversionError(ErrorKind::Internal, std::string("Cannot store the upload: ") + e.What());
    }

    if (rename(temporary.c_str(), infoPath.c_str()) != 0 ||
        rename(bytesPath.c_str(), GetDataPath(id).c_str()) != 0)
    {
      const std::string reason = strerror(errno);
      LOG(ERROR) << "NIfTI-to-DICOM: cannot publish the upload " << id << " in " << path_ << ": " << reason;
      RemoveQuietly(temporary);
      RemoveQuietly(infoPath);
      throw ConversionError(ErrorKind::Internal, "Cannot store the upload: " + reason);
    }
  }


  bool UploadDirectory::Remove(const std::string& id)
  {
    if (!IsValidId(id))
    {
      return false;
    }
    const bool existed = Orthanc::SystemToolbox::IsRegularFile(GetDataPath(id));
    RemoveQuietly(GetDataPath(id));
    RemoveQuietly(GetInfoPath(id));
    return existed;
  }


  void UploadDirectory::RemovePart(const std::string& id)
  {
    RemoveQuietly(GetPartPath(id));
  }
}
