#include "Orthanc/OrthancContext.h"

#include <stdexcept>

namespace NiftiToDicomPlugin
{
  static OrthancPluginContext* context_ = nullptr;

  void OrthancContext::Set(OrthancPluginContext* context)
  {
    context_ = context;
  }

  OrthancPluginContext* OrthancContext::Get()
  {
    if (context_ == nullptr)
    {
      throw std::logic_error("The Orthanc plugin context is not set");
    }
    return context_;
  }

  std::string OrthancContext::DescribeError(OrthancPluginErrorCode code)
  {
    return OrthancPluginGetErrorDescription(Get(), code);
  }
}
