#include "Uploads/UploadPurger.h"

#include "Uploads/UploadStore.h"

#include <Logging.h>
#include <OrthancException.h>

#include <algorithm>
#include <chrono>

namespace NiftiToDicomPlugin
{
  UploadPurger::UploadPurger(UploadStore& store) :
    store_(store),
    interval_(std::max(1u, std::min(60u, store.GetExpiration() / 2))),
    stopping_(false),
    thread_(&UploadPurger::Loop, this)
  {
  }


  UploadPurger::~UploadPurger()
  {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    stopSignal_.notify_all();
    if (thread_.joinable())
    {
      thread_.join();
    }
  }


  void UploadPurger::Loop()
  {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_)
    {
      stopSignal_.wait_for(lock, std::chrono::seconds(interval_));
      if (stopping_)
      {
        break;
      }
      lock.unlock();
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
      lock.lock();
    }
  }
}
