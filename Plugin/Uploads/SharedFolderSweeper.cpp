#include "Uploads/SharedFolderSweeper.h"

#include "Jobs/ImportJournal.h"
#include "Uploads/NodeRegistry.h"
#include "Uploads/UploadStore.h"

#include <Logging.h>
#include <OrthancException.h>

#include <chrono>

namespace NiftiToDicomPlugin
{
  SharedFolderSweeper::SharedFolderSweeper(UploadStore& store, ImportJournal& journal, const NodeRegistry& nodes,
                                           unsigned int intervalSeconds) :
    store_(store),
    journal_(journal),
    nodes_(nodes),
    interval_(intervalSeconds),
    stopping_(false),
    requested_(false),
    thread_(&SharedFolderSweeper::Loop, this)
  {
  }


  SharedFolderSweeper::~SharedFolderSweeper()
  {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wakeUp_.notify_all();
    if (thread_.joinable())
    {
      thread_.join();
    }
  }


  void SharedFolderSweeper::Request()
  {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requested_ = true;
    }
    wakeUp_.notify_all();
  }


  void SharedFolderSweeper::SweepOnce()
  {
    // Each task apart: one failing does not stop the others
    try
    {
      store_.PurgeExpired();
    }
    catch (std::exception& e)
    {
      LOG(ERROR) << "NIfTI-to-DICOM: cannot purge expired uploads: " << e.what();
    }
    catch (Orthanc::OrthancException& e)
    {
      LOG(ERROR) << "NIfTI-to-DICOM: cannot purge expired uploads: " << e.What();
    }

    try
    {
      journal_.Sweep();
      nodes_.ForgetDeadInstances();
    }
    catch (std::exception& e)
    {
      LOG(ERROR) << "NIfTI-to-DICOM: cannot sweep the import journal: " << e.what();
    }
    catch (Orthanc::OrthancException& e)
    {
      LOG(ERROR) << "NIfTI-to-DICOM: cannot sweep the import journal: " << e.What();
    }
  }


  void SharedFolderSweeper::Loop()
  {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_)
    {
      wakeUp_.wait_for(lock, std::chrono::seconds(interval_), [this] { return stopping_ || requested_; });
      if (stopping_)
      {
        break;
      }
      requested_ = false;
      lock.unlock();
      SweepOnce();
      lock.lock();
    }
  }
}
