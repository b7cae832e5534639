#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <cstddef>
#include <string>

namespace NiftiToDicomPlugin
{
  // POST /nifti/labels {"Labels": ...}: reads a label table as an import
  // would ("Labels" inline, "FreeSurfer", a table's text or an upload ID)
  // and answers the names, colours and codes the segments will get, so that
  // a client previews exactly what the import uses
  class LabelsRoute
  {
  public:
    static const char* const URI;

    static void Handle(OrthancPluginRestOutput* output, const char* url, const OrthancPluginHttpRequest* request);

    // The text of the upload a "Labels" field names; throws ConversionError
    static std::string ReadUpload(const std::string& id);

    // A table of more labels than MaximumSegments: ConversionError(TooLarge)
    static void CheckCount(size_t labels);
  };
}
