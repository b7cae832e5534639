#pragma once

#include <map>
#include <mutex>
#include <string>

namespace NiftiToDicomPlugin
{
  class NodeRegistry;

  // Which uploads import jobs hold (an upload in use never expires and
  // cannot be deleted), visible to every node sharing the upload directory:
  // while this process holds an upload, the file "holds/<id>@<instance>"
  // exists. A hold of a node that is gone (see NodeRegistry) counts for
  // nothing and is swept.
  class UploadHolds
  {
  private:
    std::string                 directory_;
    const NodeRegistry&         nodes_;
    std::mutex                  mutex_;
    std::map<std::string, int>  local_;   // upload -> jobs of this process holding it

    std::string GetPath(const std::string& id, const std::string& instance) const;

  public:
    UploadHolds(const std::string& directory, const NodeRegistry& nodes);

    UploadHolds(const UploadHolds&) = delete;
    UploadHolds& operator=(const UploadHolds&) = delete;

    // Throws ConversionError(Internal) if the hold cannot be written
    void Acquire(const std::string& id);

    void Release(const std::string& id);

    // Held by a job of this process or of another live node
    bool IsHeld(const std::string& id);

    // Removes the holds of the nodes that are gone
    void RemoveAbandoned();
  };
}
