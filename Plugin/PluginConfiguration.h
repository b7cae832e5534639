#pragma once

#include "Plan/SeriesLimits.h"
#include "Request/ImportRequest.h"

#include <cstddef>
#include <string>
#include <vector>

namespace NiftiToDicomPlugin
{
  // The "NiftiToDicom" section of Orthanc's configuration file
  class PluginConfiguration
  {
  private:
    size_t maximumUploadBytes_;
    size_t maximumPartBytes_;
    size_t maximumVolumeBytes_;
    unsigned int conversionThreads_;
    std::string uploadDirectory_;
    std::string temporaryDirectory_;
    unsigned int uploadExpiration_;
    unsigned int maximumUploadSessions_;
    std::vector<std::string> allowedDirectories_;
    NiftiToDicom::SendTo defaultSendTo_;
    std::string localAet_;
    unsigned int scuTimeout_;
    NiftiToDicom::SeriesLimits seriesLimits_;
    bool keepSidecar_;
    std::string nodeName_;
    unsigned int heartbeatInterval_;
    unsigned int ownerTimeout_;
    unsigned int seriesNumberMetadata_;
    bool indexMayBeShared_;

  public:
    static const char* const SECTION;

    PluginConfiguration();

    // Reads the section from Orthanc's configuration (logs each option)
    static PluginConfiguration Read();

    size_t GetMaximumUploadBytes() const
    {
      return maximumUploadBytes_;
    }

    // The largest part of an upload in parts (PUT /nifti/uploads/sessions/{id})
    size_t GetMaximumPartBytes() const
    {
      return maximumPartBytes_;
    }

    size_t GetMaximumVolumeBytes() const
    {
      return maximumVolumeBytes_;
    }

    unsigned int GetConversionThreads() const
    {
      return conversionThreads_;
    }

    const std::string& GetUploadDirectory() const
    {
      return uploadDirectory_;
    }

    // Where a .nii.gz is inflated (into unlinked files) to be read a slice
    // at a time; the upload directory unless configured
    const std::string& GetTemporaryDirectory() const
    {
      return temporaryDirectory_;
    }

    // Most upload sessions under way at once (all nodes sharing the upload folder)
    unsigned int GetMaximumUploadSessions() const
    {
      return maximumUploadSessions_;
    }

    // Seconds
    unsigned int GetUploadExpiration() const
    {
      return uploadExpiration_;
    }

    const std::vector<std::string>& GetAllowedDirectories() const
    {
      return allowedDirectories_;
    }

    const NiftiToDicom::SendTo& GetDefaultSendTo() const
    {
      return defaultSendTo_;
    }

    // Orthanc's own AET ("DicomAet"), used when sending to modalities
    const std::string& GetLocalAet() const
    {
      return localAet_;
    }

    // MaximumInstances, MaximumFrames, MaximumSegments, MaximumSegmentationSize,
    // MaximumInstanceSize, MaximumTags, MaximumTagsSize
    const NiftiToDicom::SeriesLimits& GetSeriesLimits() const
    {
      return seriesLimits_;
    }

    // "KeepSidecar": a private copy of the BIDS sidecar in every instance
    bool IsSidecarKept() const
    {
      return keepSidecar_;
    }

    // Names this Orthanc among the nodes that share the upload directory:
    // NiftiToDicom.NodeName, else DatabaseServerIdentifier, else Name
    const std::string& GetNodeName() const
    {
      return nodeName_;
    }

    // Seconds between two heartbeats of this node
    unsigned int GetHeartbeatInterval() const
    {
      return heartbeatInterval_;
    }

    // Seconds without a heartbeat after which a node is taken as gone
    unsigned int GetOwnerTimeout() const
    {
      return ownerTimeout_;
    }

    // Index of the study metadata (1024-65535) that holds the SeriesNumber counter
    unsigned int GetSeriesNumberMetadata() const
    {
      return seriesNumberMetadata_;
    }

    // True if other Orthanc processes may write into the same index: a
    // database plugin's index ("PostgreSQL", "MySQL", "Odbc") with "Lock": false
    bool MayIndexBeShared() const
    {
      return indexMayBeShared_;
    }

    // Seconds ("DicomScuTimeout")
    unsigned int GetScuTimeout() const
    {
      return scuTimeout_;
    }
  };
}
