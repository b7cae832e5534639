#include "Jobs/ImportJournal.h"

#include "Orthanc/RestHelpers.h"

#include "Dicom/DicomUid.h"

#include <Logging.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace NiftiToDicomPlugin
{
  namespace
  {
    std::unique_ptr<ImportJournal> journal_;
  }


  ImportJournal::ImportJournal(const std::string& directory) :
    directory_(directory)
  {
    if (mkdir(directory_.c_str(), 0700) != 0 && errno != EEXIST)
    {
      throw std::runtime_error("Cannot create the import journal " + directory_ + ": " + strerror(errno));
    }

    DIR* dir = opendir(directory_.c_str());
    if (dir != nullptr)
    {
      while (struct dirent* entry = readdir(dir))
      {
        const std::string name = entry->d_name;
        if (NiftiToDicom::DicomUid::IsValid(name))
        {
          fromEarlierRuns_.insert(name);
        }
      }
      closedir(dir);
    }
  }


  std::string ImportJournal::GetPath(const std::string& seriesInstanceUid) const
  {
    return directory_ + "/" + seriesInstanceUid;
  }


  void ImportJournal::Add(const std::string& seriesInstanceUid)
  {
    FILE* file = fopen(GetPath(seriesInstanceUid).c_str(), "wb");
    if (file == nullptr)
    {
      throw std::runtime_error("Cannot write the import journal " + directory_ + ": " + strerror(errno));
    }
    fclose(file);
  }


  void ImportJournal::Remove(const std::string& seriesInstanceUid)
  {
    unlink(GetPath(seriesInstanceUid).c_str());
  }


  void ImportJournal::Claim(const std::string& seriesInstanceUid)
  {
    std::lock_guard<std::mutex> lock(mutex_);
    claimed_.insert(seriesInstanceUid);
  }


  void ImportJournal::DeleteOrphans()
  {
    std::set<std::string> orphans;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const std::string& uid : fromEarlierRuns_)
      {
        if (claimed_.count(uid) == 0)
        {
          orphans.insert(uid);
        }
      }
      fromEarlierRuns_.clear();
    }

    for (const std::string& uid : orphans)
    {
      try
      {
        const std::string deleted = RestHelpers::DeleteSeriesByUid(uid);
        if (!deleted.empty())
        {
          LOG(WARNING) << "NIfTI-to-DICOM: deleted series " << deleted
                       << ", left incomplete when Orthanc stopped during its import";
        }
        Remove(uid);
      }
      catch (std::exception& e)
      {
        LOG(ERROR) << "NIfTI-to-DICOM: cannot remove the incomplete series " << uid << ": " << e.what();
      }
    }
  }


  void ImportJournal::Initialize(const std::string& directory)
  {
    journal_.reset(new ImportJournal(directory));
  }


  void ImportJournal::Finalize()
  {
    journal_.reset();
  }


  ImportJournal& ImportJournal::Get()
  {
    if (!journal_)
    {
      throw std::logic_error("The import journal is not initialised");
    }
    return *journal_;
  }
}
