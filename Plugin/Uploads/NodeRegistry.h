#pragma once

#include <string>

namespace NiftiToDicomPlugin
{
  // The Orthanc processes ("instances") that share the upload directory,
  // each with a marker file "nodes/<instance>.json" that it touches every
  // HeartbeatInterval seconds while it runs and removes when it stops.
  // Every file a process leaves in the shared folder (journal entries,
  // partial uploads, holds) carries its instance name; another process
  // touches such a file only once IsAlive() says its owner is gone:
  //  - no marker (the owner stopped cleanly, or its marker was swept), or
  //  - the marker was written by an earlier run of this very node on this
  //    host (same node name and host name, its process is gone or its
  //    process ID is this one's): a restarted node takes back its own
  //    leftovers at once (node names must differ between nodes that share
  //    a host name), or
  //  - the marker's heartbeat is older than OwnerTimeout seconds (a node
  //    that was killed and did not come back; clocks of the nodes must agree
  //    to well within OwnerTimeout, as NTP keeps them).
  class NodeRegistry
  {
  private:
    std::string   directory_;
    std::string   node_;
    std::string   host_;
    std::string   self_;
    unsigned int  ownerTimeout_;

    std::string GetMarkerPath(const std::string& instance) const;
    void WriteMarker() const;

  public:
    // Writes this process's marker ("directory" is created if needed)
    NodeRegistry(const std::string& directory, const std::string& nodeName, unsigned int ownerTimeout);

    // Removes the marker: a cleanly stopped process owns nothing any more
    ~NodeRegistry();

    NodeRegistry(const NodeRegistry&) = delete;
    NodeRegistry& operator=(const NodeRegistry&) = delete;

    // This process: "<node name>-<random>", only [A-Za-z0-9_-]
    const std::string& GetSelf() const
    {
      return self_;
    }

    static bool IsValidInstance(const std::string& instance);

    // Touches this process's marker (rewrites it if someone removed it)
    void Beat() const;

    bool IsAlive(const std::string& instance) const;

    // Removes the markers of the instances that are gone
    void ForgetDeadInstances() const;
  };
}
