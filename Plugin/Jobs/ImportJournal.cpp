#include "Jobs/ImportJournal.h"

#include "Orthanc/RestHelpers.h"
#include "PluginServices.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomUid.h"

#include <Logging.h>
#include <OrthancException.h>
#include <SystemToolbox.h>

#include <boost/filesystem.hpp>

#include <stdexcept>

namespace NiftiToDicomPlugin
{
  ImportJournal::ImportJournal(const std::string& directory) :
    directory_(directory)
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

    boost::system::error_code error;
    for (boost::filesystem::directory_iterator it(directory_, error), end; !error && it != end; it.increment(error))
    {
      const std::string name = it->path().filename().string();
      if (NiftiToDicom::DicomUid::IsValid(name))
      {
        fromEarlierRuns_.insert(name);
      }
    }
  }


  std::string ImportJournal::GetPath(const std::string& seriesInstanceUid) const
  {
    return directory_ + "/" + seriesInstanceUid;
  }


  void ImportJournal::Add(const std::string& seriesInstanceUid)
  {
    try
    {
      Orthanc::SystemToolbox::WriteFile(std::string(), GetPath(seriesInstanceUid));
    }
    catch (Orthanc::OrthancException& e)
    {
      // The path is for the administrator, not for the client who sees the job's error
      LOG(ERROR) << "NIfTI-to-DICOM: cannot write the import journal entry " << GetPath(seriesInstanceUid)
                 << ": " << e.What() << (e.HasDetails() ? std::string(" (") + e.GetDetails() + ")" : std::string());
      throw NiftiToDicom::ConversionError(NiftiToDicom::ErrorKind::Internal,
                                          "Cannot write the import journal under the \"UploadDirectory\" of the "
                                          "NiftiToDicom configuration (the Orthanc log says where and why); nothing "
                                          "was stored");
    }
  }


  void ImportJournal::Remove(const std::string& seriesInstanceUid)
  {
    try
    {
      Orthanc::SystemToolbox::RemoveFile(GetPath(seriesInstanceUid));
    }
    catch (Orthanc::OrthancException& e)
    {
      LOG(WARNING) << "NIfTI-to-DICOM: cannot remove the import journal entry " << seriesInstanceUid << ": " << e.What();
    }
    catch (std::exception& e)
    {
      LOG(WARNING) << "NIfTI-to-DICOM: cannot remove the import journal entry " << seriesInstanceUid << ": " << e.what();
    }
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


  ImportJournal& ImportJournal::Get()
  {
    return PluginServices::Get().GetImportJournal();
  }
}
