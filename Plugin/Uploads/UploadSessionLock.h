#pragma once

#include <string>

namespace NiftiToDicomPlugin
{
  class NodeRegistry;

  // Exclusive right to change one upload session, across the threads and
  // the nodes sharing the upload folder: a file "<id>.lock" created with
  // O_EXCL that names its owner (this process's instance). The lock of a
  // node that is gone (NodeRegistry::IsAlive) is taken over; a live one is
  // never broken. Released when the object goes.
  class UploadSessionLock
  {
  private:
    std::string path_;
    bool        acquired_;

    bool TryCreate(const std::string& owner);

    bool TakeOverAbandoned(const NodeRegistry& nodes);

  public:
    UploadSessionLock(const std::string& path, const NodeRegistry& nodes);

    ~UploadSessionLock();

    UploadSessionLock(const UploadSessionLock&) = delete;
    UploadSessionLock& operator=(const UploadSessionLock&) = delete;

    // False if another request (of any live node) holds the session
    bool IsAcquired() const
    {
      return acquired_;
    }
  };
}
