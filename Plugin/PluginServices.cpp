#include "PluginServices.h"

#include "Nifti/TemporaryFile.h"

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace NiftiToDicomPlugin
{
  namespace
  {
    std::unique_ptr<PluginServices> services_;
  }


  PluginServices::PluginServices(const PluginConfiguration& configuration) :
    configuration_(configuration),
    nodes_(configuration.GetUploadDirectory() + "/nodes", configuration.GetNodeName(),
           configuration.GetOwnerTimeout()),
    heartbeat_(nodes_, configuration.GetHeartbeatInterval()),
    uploads_(configuration.GetUploadDirectory(), nodes_, configuration.GetUploadExpiration(),
             configuration.GetMaximumUploadBytes(), configuration.GetMaximumUploadSessions()),
    journal_(configuration.GetUploadDirectory() + "/journal", nodes_, 2 * configuration.GetOwnerTimeout()),
    sweeper_(uploads_, journal_, nodes_,
             std::max(1u, std::min({ 60u, configuration.GetUploadExpiration() / 2,
                                     configuration.GetHeartbeatInterval() })))
  {
    // After the upload store, which creates the upload directory (the default)
    NiftiToDicom::TemporaryFile::CheckDirectory(configuration.GetTemporaryDirectory(),
                                                std::string(PluginConfiguration::SECTION) + ".TemporaryDirectory");
  }


  void PluginServices::StartSweeping()
  {
    journal_.EnableSweeping();
    sweeper_.Request();
  }


  void PluginServices::Start(const PluginConfiguration& configuration)
  {
    services_.reset(new PluginServices(configuration));
  }


  void PluginServices::Stop()
  {
    services_.reset();
  }


  PluginServices& PluginServices::Get()
  {
    if (!services_)
    {
      throw std::logic_error("The NIfTI-to-DICOM plugin is not started");
    }
    return *services_;
  }
}
