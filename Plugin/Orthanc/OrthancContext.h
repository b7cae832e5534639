#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <string>

namespace NiftiToDicomPlugin
{
  // The plugin context handed over by Orthanc at initialisation. Set once,
  // before any callback is registered; read-only afterwards.
  class OrthancContext
  {
  public:
    static void Set(OrthancPluginContext* context);

    static OrthancPluginContext* Get();

    // Orthanc's description of an error code of the SDK
    static std::string DescribeError(OrthancPluginErrorCode code);
  };
}
