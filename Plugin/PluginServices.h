#pragma once

#include "Jobs/ImportJournal.h"
#include "PluginConfiguration.h"
#include "Uploads/NodeHeartbeat.h"
#include "Uploads/NodeRegistry.h"
#include "Uploads/SharedFolderSweeper.h"
#include "Uploads/UploadStore.h"

namespace NiftiToDicomPlugin
{
  // The plugin-wide objects, alive from OrthancPluginInitialize to
  // OrthancPluginFinalize. One owner, so that their order of construction
  // and destruction is written once, here: members are destroyed in reverse
  // order, hence the threads stop before what they work on goes away, and
  // this node's marker goes last. Each class keeps its own Get()
  // (UploadStore::Get(), ImportJournal::Get()), which reads from here.
  class PluginServices
  {
  private:
    PluginConfiguration  configuration_;
    NodeRegistry         nodes_;       // first: every shared file names its owner
    NodeHeartbeat        heartbeat_;
    UploadStore          uploads_;
    ImportJournal        journal_;     // in the upload directory
    SharedFolderSweeper  sweeper_;     // after what it sweeps

    explicit PluginServices(const PluginConfiguration& configuration);

  public:
    PluginServices(const PluginServices&) = delete;
    PluginServices& operator=(const PluginServices&) = delete;

    // At OrthancPluginInitialize; throws if the upload directory or the
    // journal cannot be created (nothing is left running then)
    static void Start(const PluginConfiguration& configuration);

    // At OrthancPluginFinalize
    static void Stop();

    // Throws std::logic_error outside Start()..Stop()
    static PluginServices& Get();

    // Once Orthanc's REST API answers: from now on the journal's orphans
    // are deleted, the first time at once
    void StartSweeping();

    const PluginConfiguration& GetConfiguration() const
    {
      return configuration_;
    }

    const NodeRegistry& GetNodes() const
    {
      return nodes_;
    }

    UploadStore& GetUploadStore()
    {
      return uploads_;
    }

    ImportJournal& GetImportJournal()
    {
      return journal_;
    }
  };
}
