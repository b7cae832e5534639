#pragma once

#include "PluginConfiguration.h"

#include <orthanc/OrthancCPlugin.h>

namespace NiftiToDicomPlugin
{
  // POST /nifti/import: a NIfTI (base64 in JSON) becomes a new series of the
  // parent study, stored into Orthanc before the answer is sent.
  class ImportRoute
  {
  public:
    static const char* const URI;

    static void Configure(const PluginConfiguration& configuration);

    static void Handle(OrthancPluginRestOutput* output, const char* url, const OrthancPluginHttpRequest* request);
  };
}
