#pragma once

#include <mutex>
#include <set>
#include <string>

namespace NiftiToDicomPlugin
{
  // A file per import under way, named by the SeriesInstanceUID it writes,
  // written before its first instance is stored and removed once the series
  // is complete or rolled back. If Orthanc is killed mid-import, the file
  // survives, and at the next start-up the partial series is deleted, unless
  // a reloaded job owns it (that job deletes it itself when it runs again).
  class ImportJournal
  {
  private:
    std::string            directory_;
    std::mutex             mutex_;
    std::set<std::string>  fromEarlierRuns_;   // entries found at start-up
    std::set<std::string>  claimed_;           // by jobs reloaded to run again

    std::string GetPath(const std::string& seriesInstanceUid) const;

  public:
    explicit ImportJournal(const std::string& directory);

    ImportJournal(const ImportJournal&) = delete;
    ImportJournal& operator=(const ImportJournal&) = delete;

    void Add(const std::string& seriesInstanceUid);
    void Remove(const std::string& seriesInstanceUid);

    // A reloaded job that will run again takes care of its own leftovers
    void Claim(const std::string& seriesInstanceUid);

    // Deletes the series of earlier runs' entries that no job claimed
    void DeleteOrphans();

    // The journal of the running plugin (see PluginServices)
    static ImportJournal& Get();
  };
}
