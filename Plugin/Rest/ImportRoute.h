#pragma once

#include "PluginConfiguration.h"

#include <orthanc/OrthancCPlugin.h>

namespace NiftiToDicomPlugin
{
  // POST /nifti/import: checks the request, then runs the import (an
  // ImportJob) in the request thread, or submits it as an Orthanc job.
  class ImportRoute
  {
  public:
    static const char* const URI;

    static void Configure(const PluginConfiguration& configuration);

    // Lives as long as the plugin: jobs keep a reference to it
    static const PluginConfiguration& GetConfiguration();

    static void Handle(OrthancPluginRestOutput* output, const char* url, const OrthancPluginHttpRequest* request);
  };
}
