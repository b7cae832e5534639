#include "Orthanc/OrthancPeers.h"

#include "Orthanc/MemoryBuffer.h"
#include "Orthanc/OrthancContext.h"

#include "Common/ConversionError.h"

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;


  OrthancPeers::OrthancPeers() :
    peers_(OrthancPluginGetPeers(OrthancContext::Get()))
  {
    if (peers_ == nullptr)
    {
      throw ConversionError(ErrorKind::Internal, "Cannot read the list of Orthanc peers");
    }
  }


  OrthancPeers::~OrthancPeers()
  {
    OrthancPluginFreePeers(OrthancContext::Get(), peers_);
  }


  bool OrthancPeers::Lookup(uint32_t& index, const std::string& name) const
  {
    const uint32_t count = OrthancPluginGetPeersCount(OrthancContext::Get(), peers_);
    for (uint32_t i = 0; i < count; i++)
    {
      const char* n = OrthancPluginGetPeerName(OrthancContext::Get(), peers_, i);
      if (n != nullptr && name == n)
      {
        index = i;
        return true;
      }
    }
    return false;
  }


  void OrthancPeers::StoreInstance(uint32_t index, const std::string& dicom) const
  {
    MemoryBuffer answer;
    uint16_t status = 0;
    const OrthancPluginErrorCode code =
      OrthancPluginCallPeerApi(OrthancContext::Get(), &answer, nullptr, &status, peers_, index,
                               OrthancPluginHttpMethod_Post, "/instances", 0, nullptr, nullptr,
                               dicom.data(), static_cast<uint32_t>(dicom.size()), 0);
    if (code != OrthancPluginErrorCode_Success || status != 200)
    {
      throw ConversionError(ErrorKind::Internal,
                            "the peer answered " + (status != 0 ? "HTTP " + std::to_string(status) :
                                                    OrthancContext::DescribeError(code)));
    }
  }
}
