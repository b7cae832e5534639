#include "Uploads/NodeHeartbeat.h"

#include "Uploads/NodeRegistry.h"

#include <Logging.h>
#include <OrthancException.h>

#include <chrono>

namespace NiftiToDicomPlugin
{
  NodeHeartbeat::NodeHeartbeat(const NodeRegistry& nodes, unsigned int intervalSeconds) :
    nodes_(nodes),
    interval_(intervalSeconds),
    stopping_(false),
    thread_(&NodeHeartbeat::Loop, this)
  {
  }


  NodeHeartbeat::~NodeHeartbeat()
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


  void NodeHeartbeat::Loop()
  {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_)
    {
      stopSignal_.wait_for(lock, std::chrono::seconds(interval_));
      if (stopping_)
      {
        break;
      }
      try
      {
        nodes_.Beat();
      }
      catch (std::exception& e)
      {
        LOG(ERROR) << "NIfTI-to-DICOM: heartbeat failed: " << e.what();
      }
      catch (Orthanc::OrthancException& e)
      {
        LOG(ERROR) << "NIfTI-to-DICOM: heartbeat failed: " << e.What();
      }
    }
  }
}
