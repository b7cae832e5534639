// A BIDS sidecar and a "Tags" object, read by the client JSON reader and
// then mapped to DICOM attributes, as the plugin does with what clients send.
#include "FuzzSupport.h"

#include "Common/ClientJson.h"
#include "Metadata/BidsSidecar.h"
#include "Metadata/TagOverrides.h"

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
  NiftiToDicomFuzz::InitializeOnce();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  const char* text = reinterpret_cast<const char*>(data);
  Json::Value json;
  std::string error;
  if (!NiftiToDicom::ClientJson::Parse(json, error, text, text + size, "The sidecar"))
  {
    return 0;
  }

  NiftiToDicomFuzz::ExpectRefusalsOnly([&]() { NiftiToDicom::BidsSidecar::Parse(json); });
  NiftiToDicomFuzz::ExpectRefusalsOnly([&]() { NiftiToDicom::TagOverrides::Parse(json); });
  return 0;
}
