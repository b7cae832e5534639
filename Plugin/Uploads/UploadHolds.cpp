#include "Uploads/UploadHolds.h"

#include "Uploads/NodeRegistry.h"
#include "Uploads/UploadDirectory.h"

#include "Common/ConversionError.h"

#include <Logging.h>
#include <OrthancException.h>
#include <SystemToolbox.h>

#include <cstdio>
#include <stdexcept>

namespace NiftiToDicomPlugin
{
  UploadHolds::UploadHolds(const std::string& directory, const NodeRegistry& nodes) :
    directory_(directory),
    nodes_(nodes)
  {
    try
    {
      Orthanc::SystemToolbox::MakeDirectory(directory_);
    }
    catch (Orthanc::OrthancException& e)
    {
      throw std::runtime_error("Cannot create the folder of upload holds " + directory_ + ": " + e.What());
    }
  }


  std::string UploadHolds::GetPath(const std::string& id, const std::string& instance) const
  {
    return directory_ + "/" + id + "@" + instance;
  }


  void UploadHolds::Acquire(const std::string& id)
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (local_[id]++ > 0)
    {
      return;
    }
    try
    {
      Orthanc::SystemToolbox::WriteFile(std::string(), GetPath(id, nodes_.GetSelf()));
    }
    catch (Orthanc::OrthancException& e)
    {
      local_.erase(id);
      LOG(ERROR) << "NIfTI-to-DICOM: cannot write the hold " << GetPath(id, nodes_.GetSelf()) << ": " << e.What();
      throw NiftiToDicom::ConversionError(NiftiToDicom::ErrorKind::Internal,
                                          "Cannot mark the upload as in use under the \"UploadDirectory\" of the "
                                          "NiftiToDicom configuration (the Orthanc log says where and why)");
    }
  }


  void UploadHolds::Release(const std::string& id)
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = local_.find(id);
    if (found != local_.end() && --found->second <= 0)
    {
      local_.erase(found);
      remove(GetPath(id, nodes_.GetSelf()).c_str());
    }
  }


  bool UploadHolds::IsHeld(const std::string& id)
  {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (local_.count(id) > 0)
      {
        return true;
      }
    }

    const std::string prefix = id + "@";
    for (const std::string& name : UploadDirectory::ListFiles(directory_))
    {
      if (name.compare(0, prefix.size(), prefix) == 0 && nodes_.IsAlive(name.substr(prefix.size())))
      {
        return true;
      }
    }
    return false;
  }


  void UploadHolds::RemoveAbandoned()
  {
    for (const std::string& name : UploadDirectory::ListFiles(directory_))
    {
      const size_t at = name.find('@');
      if (at != std::string::npos && !nodes_.IsAlive(name.substr(at + 1)))
      {
        remove((directory_ + "/" + name).c_str());
      }
    }
  }
}
