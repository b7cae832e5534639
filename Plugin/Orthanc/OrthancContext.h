#pragma once

#include <orthanc/OrthancCPlugin.h>

namespace NiftiToDicomPlugin
{
  // The plugin context handed over by Orthanc at initialisation. Set once,
  // before any callback is registered; read-only afterwards.
  class OrthancContext
  {
  public:
    static void Set(OrthancPluginContext* context);

    static OrthancPluginContext* Get();
  };
}
