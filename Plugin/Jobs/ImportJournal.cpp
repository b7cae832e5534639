#include "Jobs/ImportJournal.h"

#include "Orthanc/RestHelpers.h"
#include "PluginServices.h"
#include "Uploads/NodeRegistry.h"
#include "Uploads/UploadDirectory.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomUid.h"

#include <Logging.h>
#include <OrthancException.h>
#include <SystemToolbox.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;


  ImportJournal::ImportJournal(const std::string& directory, const NodeRegistry& nodes, unsigned int waitSeconds) :
    directory_(directory),
    nodes_(nodes),
    waitSeconds_(waitSeconds),
    sweeping_(false)
  {
    try
    {
      Orthanc::SystemToolbox::MakeDirectory(directory_);
    }
    catch (Orthanc::OrthancException& e)
    {
      throw std::runtime_error("Cannot create the import journal " + directory_ + ": " + e.What());
    }
    catch (std::exception& e)
    {
      throw std::runtime_error("Cannot create the import journal " + directory_ + ": " + e.what());
    }
  }


  std::string ImportJournal::GetPath(const std::string& seriesInstanceUid, const std::string& owner) const
  {
    return directory_ + "/" + seriesInstanceUid + (owner.empty() ? std::string() : "@" + owner);
  }


  std::vector<std::pair<std::string, std::string> > ImportJournal::ListEntries() const
  {
    std::vector<std::pair<std::string, std::string> > entries;
    for (const std::string& name : UploadDirectory::ListFiles(directory_))
    {
      const size_t at = name.find('@');
      const std::string uid = name.substr(0, at);
      const std::string owner = (at == std::string::npos) ? std::string() : name.substr(at + 1);
      if (NiftiToDicom::DicomUid::IsValid(uid) && (owner.empty() || NodeRegistry::IsValidInstance(owner)))
      {
        entries.push_back(std::make_pair(uid, owner));
      }
    }
    return entries;
  }


  void ImportJournal::Add(const std::string& seriesInstanceUid)
  {
    try
    {
      Orthanc::SystemToolbox::WriteFile(std::string(), GetPath(seriesInstanceUid, nodes_.GetSelf()));
    }
    catch (Orthanc::OrthancException& e)
    {
      // The path is for the administrator, not for the client who sees the job's error
      LOG(ERROR) << "NIfTI-to-DICOM: cannot write the import journal entry "
                 << GetPath(seriesInstanceUid, nodes_.GetSelf()) << ": " << e.What()
                 << (e.HasDetails() ? std::string(" (") + e.GetDetails() + ")" : std::string());
      throw ConversionError(ErrorKind::Internal,
                            "Cannot write the import journal under the \"UploadDirectory\" of the "
                            "NiftiToDicom configuration (the Orthanc log says where and why); nothing "
                            "was stored");
    }

    // Only a reloaded job writes a series that may have other entries: the
    // one of its own interrupted run (gone: removed here, the caller deletes
    // the leftovers), or that of a node adopting them (alive: wait until it
    // has deleted them)
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(waitSeconds_);
    for (;;)
    {
      bool othersAlive = false;
      for (const auto& entry : ListEntries())
      {
        if (entry.first == seriesInstanceUid && entry.second != nodes_.GetSelf())
        {
          if (nodes_.IsAlive(entry.second))
          {
            othersAlive = true;
          }
          else
          {
            remove(GetPath(entry.first, entry.second).c_str());
          }
        }
      }

      if (!othersAlive)
      {
        return;
      }
      if (std::chrono::steady_clock::now() > deadline)
      {
        Remove(seriesInstanceUid);
        throw ConversionError(ErrorKind::Unavailable,
                              "Another Orthanc node is still cleaning up an earlier run of this import; "
                              "nothing was stored, try again in a minute");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }


  void ImportJournal::Remove(const std::string& seriesInstanceUid)
  {
    const std::string path = GetPath(seriesInstanceUid, nodes_.GetSelf());
    if (remove(path.c_str()) != 0 && Orthanc::SystemToolbox::IsExistingFile(path))
    {
      LOG(WARNING) << "NIfTI-to-DICOM: cannot remove the import journal entry " << path;
    }
  }


  void ImportJournal::Abandon(const std::string& seriesInstanceUid)
  {
    if (rename(GetPath(seriesInstanceUid, nodes_.GetSelf()).c_str(), GetPath(seriesInstanceUid, "").c_str()) != 0)
    {
      LOG(ERROR) << "NIfTI-to-DICOM: cannot hand the incomplete series " << seriesInstanceUid << " to the sweep";
    }
  }


  void ImportJournal::Claim(const std::string& seriesInstanceUid)
  {
    std::lock_guard<std::mutex> lock(mutex_);
    claimed_.insert(seriesInstanceUid);
  }


  void ImportJournal::Unclaim(const std::string& seriesInstanceUid)
  {
    std::lock_guard<std::mutex> lock(mutex_);
    claimed_.erase(seriesInstanceUid);
  }


  void ImportJournal::Adopt(const std::string& uid, const std::string& owner)
  {
    // Of several adopters, the one whose rename succeeds goes on
    const std::string mine = GetPath(uid, nodes_.GetSelf());
    if (rename(GetPath(uid, owner).c_str(), mine.c_str()) != 0)
    {
      return;
    }

    for (const auto& entry : ListEntries())
    {
      if (entry.first == uid && entry.second != nodes_.GetSelf() && nodes_.IsAlive(entry.second))
      {
        // A reloaded job writes this series again, and deletes the leftovers itself
        remove(mine.c_str());
        return;
      }
    }

    try
    {
      const std::string deleted = RestHelpers::DeleteSeriesByUid(uid);
      if (!deleted.empty())
      {
        LOG(WARNING) << "NIfTI-to-DICOM: deleted series " << deleted << ", left incomplete when the Orthanc "
                     << (owner.empty() ? std::string("importing it") : "instance " + owner) << " stopped";
      }
      remove(mine.c_str());
    }
    catch (std::exception& e)
    {
      // Handed back to the gone owner: the next sweep (of any node) tries again
      rename(mine.c_str(), GetPath(uid, owner).c_str());
      LOG(ERROR) << "NIfTI-to-DICOM: cannot remove the incomplete series " << uid << ": " << e.what();
    }
  }


  void ImportJournal::Sweep()
  {
    if (!sweeping_)
    {
      return;
    }

    for (const auto& entry : ListEntries())
    {
      if (entry.second == nodes_.GetSelf() || nodes_.IsAlive(entry.second))
      {
        continue;
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (claimed_.count(entry.first) > 0)
        {
          continue;
        }
      }
      Adopt(entry.first, entry.second);
    }
  }


  ImportJournal& ImportJournal::Get()
  {
    return PluginServices::Get().GetImportJournal();
  }
}
