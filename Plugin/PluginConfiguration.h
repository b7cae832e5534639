#pragma once

#include <cstddef>
#include <string>

namespace NiftiToDicomPlugin
{
  // The "NiftiToDicom" section of Orthanc's configuration file
  class PluginConfiguration
  {
  private:
    size_t maximumUploadBytes_;
    size_t maximumVolumeBytes_;
    unsigned int conversionThreads_;

  public:
    static const char* const SECTION;

    PluginConfiguration();

    // Reads the section from Orthanc's configuration (logs each option)
    static PluginConfiguration Read();

    size_t GetMaximumUploadBytes() const
    {
      return maximumUploadBytes_;
    }

    size_t GetMaximumVolumeBytes() const
    {
      return maximumVolumeBytes_;
    }

    unsigned int GetConversionThreads() const
    {
      return conversionThreads_;
    }
  };
}
