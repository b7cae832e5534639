#include "PluginConfiguration.h"

#include "Orthanc/OrthancContext.h"

#include "Request/ServerPathPolicy.h"

#include <Logging.h>

#include <SystemToolbox.h>
#include <Toolbox.h>
#include <json/value.h>

#include <algorithm>
#include <stdexcept>

namespace NiftiToDicomPlugin
{
  const char* const PluginConfiguration::SECTION = "NiftiToDicom";

  namespace
  {
    const unsigned int DEFAULT_MAXIMUM_UPLOAD_MB = 4096;
    const unsigned int DEFAULT_MAXIMUM_PART_MB = 8;
    const unsigned int DEFAULT_MAXIMUM_VOLUME_MB = 4096;

    // A user metadata index unlikely to be taken by a site's own "UserMetadata"
    const unsigned int DEFAULT_SERIES_NUMBER_METADATA = 9471;

    unsigned int DefaultThreads()
    {
      return std::min(4u, Orthanc::SystemToolbox::GetHardwareConcurrency());  // 1, not 0, when unknown
    }

    unsigned int ReadPositiveInteger(const Json::Value& section, const char* option, unsigned int defaultValue)
    {
      if (!section.isMember(option))
      {
        return defaultValue;
      }
      const Json::Value& v = section[option];
      if (!v.isUInt() || v.asUInt() == 0)
      {
        throw std::runtime_error(std::string("The configuration option \"") + PluginConfiguration::SECTION +
                                 "." + option + "\" must be a positive integer");
      }
      return v.asUInt();
    }

    unsigned int ReadCount(const Json::Value& section, const char* option, uint64_t defaultValue)
    {
      const unsigned int value = ReadPositiveInteger(section, option, static_cast<unsigned int>(defaultValue));
      LOG(WARNING) << "NIfTI-to-DICOM: " << PluginConfiguration::SECTION << "." << option << " = " << value;
      return value;
    }

    size_t ReadMegabytes(const Json::Value& section, const char* option, unsigned int defaultValue)
    {
      const unsigned int value = ReadPositiveInteger(section, option, defaultValue);
      LOG(WARNING) << "NIfTI-to-DICOM: " << PluginConfiguration::SECTION << "." << option << " = " << value << " MB";
      return static_cast<size_t>(value) * 1024 * 1024;
    }

    // "MaximumInstanceSize" (MB): 0 turns concatenations off, for sites whose
    // viewers do not read them; below 4096 MB, the most Pixel Data can hold
    uint64_t ReadInstanceSize(const Json::Value& section, uint64_t defaultBytes)
    {
      const char* const option = "MaximumInstanceSize";
      uint64_t megabytes = defaultBytes / (1024 * 1024);
      if (section.isMember(option))
      {
        const Json::Value& v = section[option];
        if (!v.isUInt() || v.asUInt() >= 4096)
        {
          throw std::runtime_error(std::string("The configuration option \"") + PluginConfiguration::SECTION +
                                   "." + option + "\" must be an integer from 0 (never split) to 4095 (MB)");
        }
        megabytes = v.asUInt();
      }
      LOG(WARNING) << "NIfTI-to-DICOM: " << PluginConfiguration::SECTION << "." << option << " = " << megabytes
                   << " MB" << (megabytes == 0 ? " (multi-frame instances are never split)" : "");
      return megabytes * 1024 * 1024;
    }
  }


  PluginConfiguration::PluginConfiguration() :
    maximumUploadBytes_(static_cast<size_t>(DEFAULT_MAXIMUM_UPLOAD_MB) * 1024 * 1024),
    maximumPartBytes_(static_cast<size_t>(DEFAULT_MAXIMUM_PART_MB) * 1024 * 1024),
    maximumVolumeBytes_(static_cast<size_t>(DEFAULT_MAXIMUM_VOLUME_MB) * 1024 * 1024),
    conversionThreads_(DefaultThreads()),
    uploadDirectory_("OrthancStorage/nifti-uploads"),
    temporaryDirectory_("OrthancStorage/nifti-uploads"),
    uploadExpiration_(3600),
    maximumUploadSessions_(100),
    localAet_("ORTHANC"),
    scuTimeout_(10),
    keepSidecar_(true),
    nodeName_("Orthanc"),
    heartbeatInterval_(5),
    ownerTimeout_(60),
    seriesNumberMetadata_(DEFAULT_SERIES_NUMBER_METADATA),
    indexMayBeShared_(false)
  {
  }


  PluginConfiguration PluginConfiguration::Read()
  {
    Json::Value configuration;
    char* raw = OrthancPluginGetConfiguration(OrthancContext::Get());
    if (raw == nullptr)
    {
      throw std::runtime_error("Cannot read Orthanc's configuration");
    }

    std::string text(raw);
    OrthancPluginFreeString(OrthancContext::Get(), raw);

    if (!Orthanc::Toolbox::ReadJson(configuration, text))
    {
      throw std::runtime_error("Cannot parse Orthanc's configuration");
    }

    Json::Value section(Json::objectValue);
    if (configuration.isMember(SECTION))
    {
      section = configuration[SECTION];
      if (!section.isObject())
      {
        throw std::runtime_error(std::string("The configuration section \"") + SECTION + "\" must be a JSON object");
      }
    }

    PluginConfiguration result;
    result.maximumUploadBytes_ = ReadMegabytes(section, "MaximumUploadSize", DEFAULT_MAXIMUM_UPLOAD_MB);
    result.maximumVolumeBytes_ = ReadMegabytes(section, "MaximumVolumeSize", DEFAULT_MAXIMUM_VOLUME_MB);
    // A part is held in memory as a whole (Orthanc reads a request body
    // before the plugin sees it): this bounds the memory of an upload in parts
    result.maximumPartBytes_ = ReadMegabytes(section, "MaximumPartSize", DEFAULT_MAXIMUM_PART_MB);
    result.conversionThreads_ = ReadPositiveInteger(section, "ConversionThreads", DefaultThreads());
    LOG(WARNING) << "NIfTI-to-DICOM: " << SECTION << ".ConversionThreads = " << result.conversionThreads_;

    // What one import may produce (see Plan/SeriesLimits.h for the defaults)
    NiftiToDicom::SeriesLimits& limits = result.seriesLimits_;
    limits.maximumInstances = ReadCount(section, "MaximumInstances", limits.maximumInstances);
    limits.maximumFrames = ReadCount(section, "MaximumFrames", limits.maximumFrames);
    limits.maximumSegments = ReadCount(section, "MaximumSegments", limits.maximumSegments);
    limits.maximumSegmentationBytes = ReadMegabytes(section, "MaximumSegmentationSize",
                                                    limits.maximumSegmentationBytes / (1024 * 1024));
    limits.maximumInstanceBytes = ReadInstanceSize(section, limits.maximumInstanceBytes);
    limits.maximumTags = ReadCount(section, "MaximumTags", limits.maximumTags);
    limits.maximumTagsBytes = ReadPositiveInteger(section, "MaximumTagsSize", limits.maximumTagsBytes / 1024);
    LOG(WARNING) << "NIfTI-to-DICOM: " << SECTION << ".MaximumTagsSize = " << limits.maximumTagsBytes << " KB";
    limits.maximumTagsBytes *= 1024;

    const std::string storage = configuration.get("StorageDirectory", "OrthancStorage").asString();
    result.uploadDirectory_ = section.get("UploadDirectory", storage + "/nifti-uploads").asString();
    LOG(WARNING) << "NIfTI-to-DICOM: " << SECTION << ".UploadDirectory = " << result.uploadDirectory_;

    // Checked when the plugin starts (PluginServices), once the upload
    // directory, its default, exists
    result.temporaryDirectory_ = result.uploadDirectory_;
    if (section.isMember("TemporaryDirectory"))
    {
      const Json::Value& v = section["TemporaryDirectory"];
      if (!v.isString() || v.asString().empty())
      {
        throw std::runtime_error(std::string("The configuration option \"") + SECTION +
                                 ".TemporaryDirectory\" must be the path of a directory");
      }
      result.temporaryDirectory_ = v.asString();
    }
    LOG(WARNING) << "NIfTI-to-DICOM: " << SECTION << ".TemporaryDirectory = " << result.temporaryDirectory_;

    result.uploadExpiration_ = ReadPositiveInteger(section, "UploadExpiration", 3600);
    LOG(WARNING) << "NIfTI-to-DICOM: " << SECTION << ".UploadExpiration = " << result.uploadExpiration_ << " s";
    result.maximumUploadSessions_ = ReadPositiveInteger(section, "MaximumUploadSessions", 100);
    LOG(WARNING) << "NIfTI-to-DICOM: " << SECTION << ".MaximumUploadSessions = " << result.maximumUploadSessions_;

    if (section.isMember("AllowedDirectories"))
    {
      const Json::Value& list = section["AllowedDirectories"];
      if (!list.isArray())
      {
        throw std::runtime_error(std::string("The configuration option \"") + SECTION +
                                 ".AllowedDirectories\" must be a list of absolute directory paths");
      }
      for (const Json::Value& directory : list)
      {
        if (!directory.isString() || directory.asString().empty() || directory.asString()[0] != '/')
        {
          throw std::runtime_error(std::string("The configuration option \"") + SECTION +
                                   ".AllowedDirectories\" must contain absolute directory paths");
        }
        result.allowedDirectories_.push_back(directory.asString());
        LOG(WARNING) << "NIfTI-to-DICOM: " << SECTION << ".AllowedDirectories: imports may read files below "
                     << directory.asString();
      }

      // A misspelt directory would otherwise only show as refused imports
      for (const std::string& missing : NiftiToDicom::ServerPathPolicy::GetMissing(result.allowedDirectories_))
      {
        LOG(WARNING) << "NIfTI-to-DICOM: " << SECTION << ".AllowedDirectories: " << missing
                     << " does not exist (or cannot be resolved): no file below it can be imported until it does";
      }
    }

    if (section.isMember("DefaultSendTo"))
    {
      result.defaultSendTo_ = NiftiToDicom::SendTo::Parse(section["DefaultSendTo"],
                                                          std::string("The configuration option ") + SECTION +
                                                          ".DefaultSendTo");
      LOG(WARNING) << "NIfTI-to-DICOM: " << SECTION << ".DefaultSendTo: " << result.defaultSendTo_.modalities.size()
                   << " modalities, " << result.defaultSendTo_.peers.size() << " peers";
    }

    if (section.isMember("KeepSidecar") && !section["KeepSidecar"].isBool())
    {
      throw std::runtime_error(std::string("The configuration option \"") + SECTION +
                               ".KeepSidecar\" must be true or false");
    }
    result.keepSidecar_ = section.get("KeepSidecar", true).asBool();
    LOG(WARNING) << "NIfTI-to-DICOM: " << SECTION << ".KeepSidecar = " << (result.keepSidecar_ ? "true" : "false");

    // Several nodes (see the README's scaling section)
    if (section.isMember("NodeName"))
    {
      if (!section["NodeName"].isString() || section["NodeName"].asString().empty())
      {
        throw std::runtime_error(std::string("The configuration option \"") + SECTION +
                                 ".NodeName\" must be a non-empty string, different on each Orthanc node");
      }
      result.nodeName_ = section["NodeName"].asString();
    }
    else if (configuration.isMember("DatabaseServerIdentifier") &&
             configuration["DatabaseServerIdentifier"].isString() &&
             !configuration["DatabaseServerIdentifier"].asString().empty())
    {
      result.nodeName_ = configuration["DatabaseServerIdentifier"].asString();
    }
    else if (configuration.isMember("Name") && configuration["Name"].isString() &&
             !configuration["Name"].asString().empty())
    {
      result.nodeName_ = configuration["Name"].asString();
    }
    LOG(WARNING) << "NIfTI-to-DICOM: " << SECTION << ".NodeName = " << result.nodeName_;

    result.heartbeatInterval_ = ReadPositiveInteger(section, "HeartbeatInterval", 5);
    LOG(WARNING) << "NIfTI-to-DICOM: " << SECTION << ".HeartbeatInterval = " << result.heartbeatInterval_ << " s";
    result.ownerTimeout_ = ReadPositiveInteger(section, "OwnerTimeout", 60);
    if (result.ownerTimeout_ < 2 * result.heartbeatInterval_ + 1)
    {
      throw std::runtime_error(std::string("The configuration option \"") + SECTION +
                               ".OwnerTimeout\" must exceed twice \"HeartbeatInterval\" (seconds), or a slow "
                               "heartbeat would make a live node look gone");
    }
    LOG(WARNING) << "NIfTI-to-DICOM: " << SECTION << ".OwnerTimeout = " << result.ownerTimeout_ << " s";

    result.seriesNumberMetadata_ = ReadPositiveInteger(section, "SeriesNumberMetadata", DEFAULT_SERIES_NUMBER_METADATA);
    if (result.seriesNumberMetadata_ < 1024 || result.seriesNumberMetadata_ > 65535)
    {
      throw std::runtime_error(std::string("The configuration option \"") + SECTION +
                               ".SeriesNumberMetadata\" must be a user metadata index, from 1024 to 65535");
    }
    LOG(WARNING) << "NIfTI-to-DICOM: " << SECTION << ".SeriesNumberMetadata = " << result.seriesNumberMetadata_;

    for (const char* plugin : { "PostgreSQL", "MySQL", "Odbc" })
    {
      const Json::Value& database = configuration[plugin];
      if (database.isObject() && database.get("EnableIndex", false).asBool() && !database.get("Lock", true).asBool())
      {
        result.indexMayBeShared_ = true;
        LOG(WARNING) << "NIfTI-to-DICOM: the index (" << plugin << ", \"Lock\": false) may be shared with other "
                     << "Orthanc nodes";
      }
    }

    static const char* const KNOWN[] =
    {
      "MaximumUploadSize", "MaximumPartSize", "MaximumVolumeSize", "ConversionThreads", "UploadDirectory", "UploadExpiration",
      "TemporaryDirectory", "AllowedDirectories", "DefaultSendTo", "MaximumInstances", "MaximumFrames",
      "MaximumSegments", "MaximumSegmentationSize", "MaximumInstanceSize", "MaximumTags", "MaximumTagsSize",
      "NodeName", "HeartbeatInterval", "OwnerTimeout", "SeriesNumberMetadata", "KeepSidecar", "MaximumUploadSessions"
    };
    for (const std::string& member : section.getMemberNames())
    {
      bool known = false;
      for (const char* k : KNOWN)
      {
        known = known || (member == k);
      }
      if (!known)
      {
        LOG(WARNING) << "NIfTI-to-DICOM: unknown configuration option " << SECTION << "." << member << " is ignored";
      }
    }

    result.localAet_ = configuration.get("DicomAet", "ORTHANC").asString();
    result.scuTimeout_ = configuration.get("DicomScuTimeout", 10).asUInt();
    return result;
  }
}
