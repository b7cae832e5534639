#include "Uploads/UploadSessionLock.h"

#include "Uploads/NodeRegistry.h"

#include <Logging.h>
#include <SystemToolbox.h>
#include <Toolbox.h>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace NiftiToDicomPlugin
{
  namespace
  {
    std::string ReadOwner(const std::string& path)
    {
      try
      {
        std::string owner;
        Orthanc::SystemToolbox::ReadFile(owner, path, false);
        return owner;
      }
      catch (...)
      {
        return "";
      }
    }
  }


  bool UploadSessionLock::TryCreate(const std::string& owner)
  {
    const int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
    {
      return false;
    }
    const bool written = write(fd, owner.data(), owner.size()) == static_cast<ssize_t>(owner.size());
    close(fd);
    if (!written)
    {
      unlink(path_.c_str());
    }
    return written;
  }


  bool UploadSessionLock::TakeOverAbandoned(const NodeRegistry& nodes)
  {
    const std::string owner = ReadOwner(path_);
    if (!owner.empty() && nodes.IsAlive(owner))
    {
      return false;
    }

    // Moved aside before it is judged again, so that of two nodes taking
    // over at once, one gets the file; a lock that a live node created in
    // between is put back (link() does not replace an existing lock)
    const std::string aside = path_ + "." + Orthanc::Toolbox::GenerateUuid();
    if (rename(path_.c_str(), aside.c_str()) != 0)
    {
      return false;
    }
    const std::string movedOwner = ReadOwner(aside);
    if (!movedOwner.empty() && nodes.IsAlive(movedOwner))
    {
      if (link(aside.c_str(), path_.c_str()) != 0)
      {
        LOG(WARNING) << "NIfTI-to-DICOM: the lock " << path_ << " of " << movedOwner << " was replaced meanwhile";
      }
      unlink(aside.c_str());
      return false;
    }

    LOG(WARNING) << "NIfTI-to-DICOM: taking over the lock of an upload session left by " <<
      (owner.empty() ? std::string("an unknown Orthanc") : owner) << ", which is gone";
    unlink(aside.c_str());
    return true;
  }


  UploadSessionLock::UploadSessionLock(const std::string& path, const NodeRegistry& nodes) :
    path_(path),
    acquired_(false)
  {
    acquired_ = TryCreate(nodes.GetSelf()) ||
      (errno == EEXIST && TakeOverAbandoned(nodes) && TryCreate(nodes.GetSelf()));
  }


  UploadSessionLock::~UploadSessionLock()
  {
    if (acquired_)
    {
      unlink(path_.c_str());
    }
  }
}
