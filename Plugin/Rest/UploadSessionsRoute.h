#pragma once

#include <orthanc/OrthancCPlugin.h>

namespace NiftiToDicomPlugin
{
  // Uploads in parts (see Uploads/UploadSessions):
  //   POST   /nifti/uploads/sessions              {"Size", "Filename", "SHA256"} -> a session
  //   GET    /nifti/uploads/sessions              the sessions under way
  //   GET    /nifti/uploads/sessions/{id}         "Received": where to resume
  //   PUT    /nifti/uploads/sessions/{id}         one part; headers X-Part-Offset, X-Part-SHA256
  //   DELETE /nifti/uploads/sessions/{id}
  //   POST   /nifti/uploads/sessions/{id}/finish  {"SHA256"} -> the upload (GET /nifti/uploads/{id})
  // Registered before /nifti/uploads/{id}, which would otherwise take "sessions" for an upload ID.
  class UploadSessionsRoute
  {
  public:
    static void Configure(size_t maximumPartBytes);

    static void Register(OrthancPluginContext* context);
  };
}
