// POST /nifti/import's body, as the plugin parses it (before any Orthanc
// lookup): JSON, base64, Tags, Type and its options, SendTo.
#include "FuzzSupport.h"

#include "Request/ImportRequest.h"

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
  NiftiToDicomFuzz::InitializeOnce();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  NiftiToDicomFuzz::ExpectRefusalsOnly([&]()
  {
    NiftiToDicom::ImportRequest::Parse(data, size, 1 << 20);
  });
  return 0;
}
