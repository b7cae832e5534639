#include "Jobs/ImportJob.h"
#include "Jobs/ImportJournal.h"
#include "Orthanc/OrthancContext.h"
#include "PluginConfiguration.h"
#include "PluginServices.h"
#include "Rest/ExplorerResources.h"
#include "Rest/HttpAnswers.h"
#include "Rest/ImportRoute.h"
#include "Rest/LabelsRoute.h"
#include "Rest/UploadSessionsRoute.h"
#include "Rest/UploadsRoute.h"

#include <Logging.h>

#include <orthanc/OrthancCPlugin.h>

#include <exception>

namespace
{
  const char* const PLUGIN_NAME = "nifti-to-dicom";

  OrthancPluginErrorCode OnChange(OrthancPluginChangeType changeType, OrthancPluginResourceType resourceType,
                                  const char* resourceId)
  {
    if (changeType == OrthancPluginChangeType_OrthancStarted)
    {
      // The REST API answers from now on: remove what a killed Orthanc left
      // (only its own leftovers, or those of nodes that are gone)
      NiftiToDicomPlugin::PluginServices::Get().StartSweeping();
    }
    return OrthancPluginErrorCode_Success;
  }

  OrthancPluginJob* UnserializeJob(const char* type, const char* serialized)
  {
    return NiftiToDicomPlugin::ImportJob::Unserialize(type, serialized,
                                                      NiftiToDicomPlugin::PluginServices::Get().GetConfiguration());
  }
}


extern "C"
{
  ORTHANC_PLUGINS_API int32_t OrthancPluginInitialize(OrthancPluginContext* context)
  {
    using namespace NiftiToDicomPlugin;

    OrthancContext::Set(context);

    // No Orthanc::InitializeFramework() here: it would reload DCMTK's
    // dictionary, which this process shares with the Orthanc core.
    Orthanc::Logging::InitializePluginContext(context);

    if (OrthancPluginCheckVersion(context) == 0)
    {
      LOG(ERROR) << "NIfTI-to-DICOM: this plugin needs Orthanc " << ORTHANC_PLUGINS_MINIMAL_MAJOR_NUMBER << "."
                 << ORTHANC_PLUGINS_MINIMAL_MINOR_NUMBER << "." << ORTHANC_PLUGINS_MINIMAL_REVISION_NUMBER
                 << " or later, this is Orthanc " << context->orthancVersion;
      return -1;
    }

    try
    {
      OrthancPluginSetDescription(context, "Imports NIfTI volumes as DICOM series of an existing study.");
      PluginServices::Start(PluginConfiguration::Read());
      ImportRoute::Configure(PluginServices::Get().GetConfiguration());

      OrthancPluginRegisterRestCallbackNoLock(context, ImportRoute::URI, ProtectedRoute<ImportRoute::Handle>);
      OrthancPluginRegisterRestCallbackNoLock(context, LabelsRoute::URI, ProtectedRoute<LabelsRoute::Handle>);
      UploadSessionsRoute::Configure(PluginServices::Get().GetConfiguration().GetMaximumPartBytes());
      UploadSessionsRoute::Register(context);  // before /nifti/uploads/{id}, see there
      UploadsRoute::Register(context);
      ExplorerResources::Register(context);
      OrthancPluginRegisterJobsUnserializer(context, UnserializeJob);
      OrthancPluginRegisterOnChangeCallback(context, OnChange);
      LOG(WARNING) << "NIfTI-to-DICOM: REST routes POST " << ImportRoute::URI << ", " << LabelsRoute::URI
                   << ", /nifti/uploads are ready";
      return 0;
    }
    catch (std::exception& e)
    {
      LOG(ERROR) << "NIfTI-to-DICOM: cannot start: " << e.what();
      return -1;
    }
  }


  ORTHANC_PLUGINS_API void OrthancPluginFinalize()
  {
    NiftiToDicomPlugin::PluginServices::Stop();
    LOG(WARNING) << "NIfTI-to-DICOM: finalized";
  }


  ORTHANC_PLUGINS_API const char* OrthancPluginGetName()
  {
    return PLUGIN_NAME;
  }


  ORTHANC_PLUGINS_API const char* OrthancPluginGetVersion()
  {
    return NIFTI_TO_DICOM_VERSION;
  }
}
