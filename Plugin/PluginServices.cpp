#include "PluginServices.h"

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
    uploads_(configuration.GetUploadDirectory(), configuration.GetUploadExpiration(),
             configuration.GetMaximumUploadBytes()),
    purger_(uploads_),
    journal_(configuration.GetUploadDirectory() + "/journal")
  {
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
