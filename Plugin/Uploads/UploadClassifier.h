#pragma once

#include <json/value.h>

#include <cstdint>
#include <string>

namespace NiftiToDicomPlugin
{
  // What an upload is, judged from its bytes (its name may lie): "NIfTI"
  // (with the summary of its header), "JSON" (a sidecar) or "Other"
  class UploadClassifier
  {
  public:
    // Sets "Type" (and "Header" for a NIfTI) in "info". Throws
    // ConversionError(InvalidInput) for a NIfTI that the import would refuse
    // anyway (invalid header, truncated voxels), so that the client learns it
    // at once.
    static void Classify(Json::Value& info, const std::string& path, uint64_t size);
  };
}
