#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <json/value.h>

#include <memory>
#include <string>

namespace NiftiToDicomPlugin
{
  // A job of Orthanc's jobs engine written in C++. Orthanc calls a job's
  // callbacks from one thread at a time; the adapter keeps the strings the
  // SDK borrows alive and lets no exception reach the core.
  class PluginJob
  {
  private:
    std::string content_;      // returned to the SDK by GetContent
    std::string serialized_;   // returned to the SDK by GetSerialized

    static void CallbackFinalize(void* job);
    static float CallbackGetProgress(void* job);
    static const char* CallbackGetContent(void* job);
    static const char* CallbackGetSerialized(void* job);
    static OrthancPluginJobStepStatus CallbackStep(void* job);
    static OrthancPluginErrorCode CallbackStop(void* job, OrthancPluginJobStopReason reason);
    static OrthancPluginErrorCode CallbackReset(void* job);

  public:
    virtual ~PluginJob()
    {
    }

    virtual OrthancPluginJobStepStatus Step() = 0;

    // The job leaves the "running" state (success, failure, pause, cancel)
    virtual void Stop(OrthancPluginJobStopReason reason) = 0;

    // A stopped job is about to run again from the start
    virtual void Reset() = 0;

    // 0 to 1
    virtual float GetProgress() = 0;

    // A JSON object, shown as "Content" by GET /jobs/{id}
    virtual Json::Value GetContent() = 0;

    // A JSON object to save the job across restarts; false if it cannot be saved
    virtual bool Serialize(Json::Value& target) = 0;

    // Hands "job" to the SDK (which owns it from then on)
    static OrthancPluginJob* Create(std::unique_ptr<PluginJob> job, const char* type);

    // Creates and submits: returns the job's ID
    static std::string Submit(std::unique_ptr<PluginJob> job, const char* type, int priority);
  };
}
