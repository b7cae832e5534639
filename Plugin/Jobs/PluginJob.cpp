#include "Jobs/PluginJob.h"

#include "Orthanc/OrthancContext.h"

#include "Common/ConversionError.h"

#include <Logging.h>
#include <Toolbox.h>

namespace NiftiToDicomPlugin
{
  namespace
  {
    // No exception may reach the core: a failed Stop or Reset is logged and
    // reported as an error code
    template <typename Action>
    OrthancPluginErrorCode Guard(const char* what, Action action)
    {
      try
      {
        action();
        return OrthancPluginErrorCode_Success;
      }
      catch (std::exception& e)
      {
        LOG(ERROR) << "NIfTI-to-DICOM: job " << what << " failed: " << e.what();
        return OrthancPluginErrorCode_Plugin;
      }
      catch (...)
      {
        return OrthancPluginErrorCode_Plugin;
      }
    }
  }


  void PluginJob::CallbackFinalize(void* job)
  {
    try
    {
      delete reinterpret_cast<PluginJob*>(job);
    }
    catch (...)
    {
      LOG(ERROR) << "NIfTI-to-DICOM: error while releasing a job";
    }
  }


  float PluginJob::CallbackGetProgress(void* job)
  {
    try
    {
      return reinterpret_cast<PluginJob*>(job)->GetProgress();
    }
    catch (...)
    {
      return 0;
    }
  }


  const char* PluginJob::CallbackGetContent(void* job)
  {
    PluginJob& self = *reinterpret_cast<PluginJob*>(job);
    try
    {
      Orthanc::Toolbox::WriteFastJson(self.content_, self.GetContent());
    }
    catch (...)
    {
      self.content_ = "{}";
    }
    return self.content_.c_str();
  }


  const char* PluginJob::CallbackGetSerialized(void* job)
  {
    PluginJob& self = *reinterpret_cast<PluginJob*>(job);
    try
    {
      Json::Value serialized;
      if (!self.Serialize(serialized))
      {
        return nullptr;
      }
      Orthanc::Toolbox::WriteFastJson(self.serialized_, serialized);
      return self.serialized_.c_str();
    }
    catch (...)
    {
      return nullptr;
    }
  }


  OrthancPluginJobStepStatus PluginJob::CallbackStep(void* job)
  {
    try
    {
      return reinterpret_cast<PluginJob*>(job)->Step();
    }
    catch (std::exception& e)
    {
      LOG(ERROR) << "NIfTI-to-DICOM: job step failed: " << e.what();
      return OrthancPluginJobStepStatus_Failure;
    }
    catch (...)
    {
      return OrthancPluginJobStepStatus_Failure;
    }
  }


  OrthancPluginErrorCode PluginJob::CallbackStop(void* job, OrthancPluginJobStopReason reason)
  {
    return Guard("stop", [&] { reinterpret_cast<PluginJob*>(job)->Stop(reason); });
  }


  OrthancPluginErrorCode PluginJob::CallbackReset(void* job)
  {
    return Guard("reset", [&] { reinterpret_cast<PluginJob*>(job)->Reset(); });
  }


  OrthancPluginJob* PluginJob::Create(std::unique_ptr<PluginJob> job, const char* type)
  {
    OrthancPluginJob* created = OrthancPluginCreateJob(OrthancContext::Get(), job.get(), CallbackFinalize, type,
                                                       CallbackGetProgress, CallbackGetContent, CallbackGetSerialized,
                                                       CallbackStep, CallbackStop, CallbackReset);
    if (created == nullptr)
    {
      throw NiftiToDicom::ConversionError(NiftiToDicom::ErrorKind::Internal, "Orthanc cannot create the job");
    }
    job.release();  // owned by "created" now, freed through CallbackFinalize
    return created;
  }


  std::string PluginJob::Submit(std::unique_ptr<PluginJob> job, const char* type, int priority)
  {
    OrthancPluginJob* created = Create(std::move(job), type);
    char* id = OrthancPluginSubmitJob(OrthancContext::Get(), created, priority);
    if (id == nullptr)
    {
      OrthancPluginFreeJob(OrthancContext::Get(), created);
      throw NiftiToDicom::ConversionError(NiftiToDicom::ErrorKind::Internal, "Orthanc cannot submit the job");
    }
    const std::string result(id);
    OrthancPluginFreeString(OrthancContext::Get(), id);
    return result;
  }
}
