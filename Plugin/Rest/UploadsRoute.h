#pragma once

#include <orthanc/OrthancCPlugin.h>

namespace NiftiToDicomPlugin
{
  // POST /nifti/uploads (streamed to disk as it arrives), GET /nifti/uploads,
  // GET and DELETE /nifti/uploads/{id}
  class UploadsRoute
  {
  public:
    static void Register(OrthancPluginContext* context);
  };
}
