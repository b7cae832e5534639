#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

namespace NiftiToDicomPlugin
{
  class ImportJournal;
  class NodeRegistry;
  class UploadStore;

  // A thread that tidies the upload directory from time to time: deletes
  // the expired uploads (between two passes, GetInfo() hides and deletes
  // those it meets), the partial uploads and holds of nodes that are gone,
  // and the series their journal entries name (ImportJournal::Sweep). Runs
  // from construction to destruction: destroy it before what it sweeps.
  class SharedFolderSweeper
  {
  private:
    UploadStore&             store_;
    ImportJournal&           journal_;
    const NodeRegistry&      nodes_;
    unsigned int             interval_;   // seconds
    std::mutex               mutex_;
    std::condition_variable  wakeUp_;
    bool                     stopping_;
    bool                     requested_;
    std::thread              thread_;     // last: starts once the rest is set

    void Loop();
    void SweepOnce();

  public:
    SharedFolderSweeper(UploadStore& store, ImportJournal& journal, const NodeRegistry& nodes,
                        unsigned int intervalSeconds);

    ~SharedFolderSweeper();

    SharedFolderSweeper(const SharedFolderSweeper&) = delete;
    SharedFolderSweeper& operator=(const SharedFolderSweeper&) = delete;

    // A pass now (at Orthanc's start-up), in the sweeper's thread
    void Request();
  };
}
