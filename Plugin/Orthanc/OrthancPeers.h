#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <cstdint>
#include <string>

namespace NiftiToDicomPlugin
{
  // The Orthanc peers declared in the configuration (OrthancPeers), as the
  // SDK lists them when constructed
  class OrthancPeers
  {
  private:
    OrthancPluginPeers* peers_;

  public:
    // Throws ConversionError(Internal) if the SDK cannot list them
    OrthancPeers();

    ~OrthancPeers();

    OrthancPeers(const OrthancPeers&) = delete;
    OrthancPeers& operator=(const OrthancPeers&) = delete;

    bool Lookup(uint32_t& index, const std::string& name) const;

    // POST /instances on the peer; throws ConversionError(Internal) saying
    // what the peer answered
    void StoreInstance(uint32_t index, const std::string& dicom) const;
  };
}
