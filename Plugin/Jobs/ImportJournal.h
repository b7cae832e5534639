#pragma once

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace NiftiToDicomPlugin
{
  class NodeRegistry;

  // A file per import under way, "<SeriesInstanceUID>@<instance>", written
  // by the Orthanc process ("instance", see NodeRegistry) that imports the
  // series before its first instance is stored, and removed once the series
  // is complete or rolled back. The journal lives in the upload directory,
  // which several nodes may share: an entry belongs to its writer, and no
  // other process touches it while that writer is alive. If the writer is
  // killed mid-import, its entry survives, and the series it names is
  // deleted by the first process that sees the owner gone (Sweep(): the
  // owner's own restart at once, any other node after OwnerTimeout),
  // unless a reloaded job of the restarted node claims it (the job then
  // deletes the leftovers itself when it runs again).
  //
  // Adopting an orphan renames its entry to the adopter's name (rename() is
  // atomic: of two adopters, one wins); an import that writes the same
  // series again (a reloaded job) waits until no other live process holds
  // an entry for it, so that an adopter never deletes a series being
  // written again.
  class ImportJournal
  {
  private:
    std::string            directory_;
    const NodeRegistry&    nodes_;
    unsigned int           waitSeconds_;
    std::mutex             mutex_;
    std::set<std::string>  claimed_;           // by jobs reloaded to run again
    std::atomic<bool>      sweeping_;          // once Orthanc's REST API answers

    std::string GetPath(const std::string& seriesInstanceUid, const std::string& owner) const;

    // (SeriesInstanceUID, owner) of every entry; owner "" for an entry of an
    // older version of the plugin (no owner left)
    std::vector<std::pair<std::string, std::string> > ListEntries() const;

    void Adopt(const std::string& seriesInstanceUid, const std::string& owner);

  public:
    // "waitSeconds": how long Add() waits for another live process's entry
    // of the same series to go
    ImportJournal(const std::string& directory, const NodeRegistry& nodes, unsigned int waitSeconds);

    ImportJournal(const ImportJournal&) = delete;
    ImportJournal& operator=(const ImportJournal&) = delete;

    // Throws ConversionError (Internal: cannot write; Unavailable: another
    // live node still works on this series)
    void Add(const std::string& seriesInstanceUid);

    void Remove(const std::string& seriesInstanceUid);

    // For a rollback that could not delete the series: the entry loses its
    // owner, so that the next sweep of any node (this one too) deletes it
    void Abandon(const std::string& seriesInstanceUid);

    // A reloaded job that will run again takes care of its own leftovers;
    // Unclaim() when that job is gone
    void Claim(const std::string& seriesInstanceUid);
    void Unclaim(const std::string& seriesInstanceUid);

    // From Orthanc's start-up on (its REST API must answer), Sweep() works
    void EnableSweeping()
    {
      sweeping_ = true;
    }

    // Deletes the series of the entries whose owner is gone, unless claimed
    void Sweep();

    // The journal of the running plugin (see PluginServices)
    static ImportJournal& Get();
  };
}
