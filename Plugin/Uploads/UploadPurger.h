#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

namespace NiftiToDicomPlugin
{
  class UploadStore;

  // A thread that deletes the expired uploads from time to time (between
  // two passes, GetInfo() hides and deletes those it meets). Runs from
  // construction to destruction: destroy it before the store.
  class UploadPurger
  {
  private:
    UploadStore&             store_;
    unsigned int             interval_;   // seconds
    std::mutex               mutex_;
    std::condition_variable  stopSignal_;
    bool                     stopping_;
    std::thread              thread_;     // last: starts once the rest is set

    void Loop();

  public:
    explicit UploadPurger(UploadStore& store);

    ~UploadPurger();

    UploadPurger(const UploadPurger&) = delete;
    UploadPurger& operator=(const UploadPurger&) = delete;
  };
}
