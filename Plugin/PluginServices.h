#pragma once

#include "Jobs/ImportJournal.h"
#include "PluginConfiguration.h"
#include "Uploads/UploadPurger.h"
#include "Uploads/UploadStore.h"

namespace NiftiToDicomPlugin
{
  // The plugin-wide objects, alive from OrthancPluginInitialize to
  // OrthancPluginFinalize. One owner, so that their order of construction
  // and destruction is written once, here: members are destroyed in reverse
  // order, hence the purger thread stops before the store goes away. Each
  // class keeps its own Get() (UploadStore::Get(), ImportJournal::Get()),
  // which reads from here.
  class PluginServices
  {
  private:
    PluginConfiguration  configuration_;
    UploadStore          uploads_;
    UploadPurger         purger_;      // after uploads_, which it purges
    ImportJournal        journal_;     // in the upload directory

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

    const PluginConfiguration& GetConfiguration() const
    {
      return configuration_;
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
