#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <string>

namespace NiftiToDicomPlugin
{
  // The browser UI, from the files of Resources/Explorer/ embedded in the
  // plugin at build time:
  //  - GET /nifti/app/{name}: the import page of the plugin (index.html, its
  //    JavaScript, style sheet and icon); /nifti/app and /nifti/app/ (the same
  //    URI to Orthanc) redirect to /nifti/app/index.html, with their arguments
  //  - the "Import NIfTI" dialog of Orthanc Explorer (study and patient pages),
  //    appended to /plugins/explorer.js
  class ExplorerResources
  {
  public:
    static void Register(OrthancPluginContext* context);

    // The content of an embedded file; false if there is none of that name
    static bool GetFile(std::string& content, const std::string& name);

    // The Content-Type of a file after its extension (html, js, css, svg, ...)
    static const char* GetContentType(const std::string& name);

    // What the plugin appends to Orthanc Explorer's JavaScript
    static std::string GetExplorerScript();
  };
}
