#pragma once

// What every libFuzzer harness of the core shares. A harness feeds bytes to
// one entry point of the core and lets only the refusals the plugin turns
// into HTTP 4xx (ConversionError) pass: any other exception, a crash, a
// sanitizer report, a leak or an allocation over libFuzzer's limits is a
// finding.

#include "Common/ConversionError.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace NiftiToDicomFuzz
{
  // DCMTK's dictionary (through the Orthanc framework), once per process
  void InitializeOnce();

  // Runs "body", swallowing the documented refusals only
  template <typename Body>
  void ExpectRefusalsOnly(Body body)
  {
    try
    {
      body();
    }
    catch (NiftiToDicom::ConversionError& e)
    {
      // A clear 4xx for the client is what the plugin is meant to do; an
      // Internal error is a 500, i.e. a path the core did not foresee
      if (e.GetKind() == NiftiToDicom::ErrorKind::Internal)
      {
        throw;
      }
    }
  }
}
