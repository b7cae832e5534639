#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

namespace NiftiToDicomPlugin
{
  class NodeRegistry;

  // A thread that touches this node's marker every HeartbeatInterval
  // seconds, and nothing else: no slow work (such as deleting a series)
  // may delay a heartbeat, or other nodes would take this one as gone.
  class NodeHeartbeat
  {
  private:
    const NodeRegistry&      nodes_;
    unsigned int             interval_;   // seconds
    std::mutex               mutex_;
    std::condition_variable  stopSignal_;
    bool                     stopping_;
    std::thread              thread_;     // last: starts once the rest is set

    void Loop();

  public:
    NodeHeartbeat(const NodeRegistry& nodes, unsigned int intervalSeconds);

    ~NodeHeartbeat();

    NodeHeartbeat(const NodeHeartbeat&) = delete;
    NodeHeartbeat& operator=(const NodeHeartbeat&) = delete;
  };
}
