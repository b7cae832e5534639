#pragma once

#include "PluginConfiguration.h"

#include "Request/ImportRequest.h"

#include <json/value.h>

#include <string>
#include <vector>

namespace NiftiToDicomPlugin
{
  // Sends a finished series to DICOM modalities and Orthanc peers.
  //
  // This runs inside import jobs, so it cannot use /modalities/{name}/store
  // or /peers/{name}/store: those run as jobs of the same engine, and an
  // import waiting for them holds a worker they need (with as many imports
  // as ConcurrentJobs, nothing would move). Instead it uses the same
  // machinery directly: the framework's DICOM store connection (C-STORE),
  // and the SDK's peer API (POST /instances on the peer).
  class SeriesRouter
  {
  public:
    // Throws ConversionError(InvalidInput) naming an undeclared destination
    static void CheckDestinations(const NiftiToDicom::SendTo& sendTo);

    // One result per destination, {"Type", "Name", "Success"[, "Error"]};
    // never throws: a failed send does not undo the import.
    static Json::Value Send(const std::vector<std::string>& instances, const NiftiToDicom::SendTo& sendTo,
                            const PluginConfiguration& configuration);
  };
}
