#include "Uploads/NodeRegistry.h"

#include "Uploads/UploadDirectory.h"

#include <Logging.h>
#include <OrthancException.h>
#include <SystemToolbox.h>
#include <Toolbox.h>

#include <json/value.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <utime.h>

namespace NiftiToDicomPlugin
{
  namespace
  {
    const char* const MARKER_SUFFIX = ".json";
    const size_t MAX_NODE_CHARS = 40;

    bool IsNameChar(char c)
    {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    std::string ReadHostName()
    {
      char buffer[256] = { 0 };
      if (gethostname(buffer, sizeof(buffer) - 1) != 0)
      {
        return "";
      }
      return buffer;
    }

    std::string MakeInstanceName(const std::string& node)
    {
      std::string name;
      for (char c : node)
      {
        if (name.size() < MAX_NODE_CHARS)
        {
          name.push_back(IsNameChar(c) ? c : '_');
        }
      }
      name += "-";
      for (char c : Orthanc::Toolbox::GenerateUuid())
      {
        if (c != '-' && name.size() < MAX_NODE_CHARS + 13)
        {
          name.push_back(c);
        }
      }
      return name;
    }

    bool IsProcessGone(int64_t pid)
    {
      return pid <= 0 || (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH);
    }
  }


  NodeRegistry::NodeRegistry(const std::string& directory, const std::string& nodeName, unsigned int ownerTimeout) :
    directory_(directory),
    node_(nodeName),
    host_(ReadHostName()),
    self_(MakeInstanceName(nodeName)),
    ownerTimeout_(ownerTimeout)
  {
    try
    {
      Orthanc::SystemToolbox::MakeDirectory(directory_);
    }
    catch (Orthanc::OrthancException& e)
    {
      throw std::runtime_error("Cannot create the folder of node markers " + directory_ + ": " + e.What());
    }
    WriteMarker();
    LOG(WARNING) << "NIfTI-to-DICOM: this Orthanc is instance " << self_ << " of node \"" << node_
                 << "\" among those sharing " << directory_;
  }


  NodeRegistry::~NodeRegistry()
  {
    remove(GetMarkerPath(self_).c_str());
  }


  bool NodeRegistry::IsValidInstance(const std::string& instance)
  {
    if (instance.empty() || instance.size() > MAX_NODE_CHARS + 13)
    {
      return false;
    }
    for (char c : instance)
    {
      if (!IsNameChar(c))
      {
        return false;
      }
    }
    return true;
  }


  std::string NodeRegistry::GetMarkerPath(const std::string& instance) const
  {
    return directory_ + "/" + instance + MARKER_SUFFIX;
  }


  void NodeRegistry::WriteMarker() const
  {
    Json::Value marker(Json::objectValue);
    marker["Node"] = node_;
    marker["Host"] = host_;
    marker["Pid"] = static_cast<Json::Int64>(getpid());
    marker["Started"] = static_cast<Json::Int64>(time(nullptr));
    std::string text;
    Orthanc::Toolbox::WriteFastJson(text, marker);

    // Complete before it is visible: a reader never sees half a marker
    const std::string path = GetMarkerPath(self_);
    const std::string temporary = path + ".tmp";
    try
    {
      Orthanc::SystemToolbox::WriteFile(text, temporary);
    }
    catch (Orthanc::OrthancException& e)
    {
      throw std::runtime_error("Cannot write the node marker " + temporary + ": " + e.What());
    }
    if (rename(temporary.c_str(), path.c_str()) != 0)
    {
      remove(temporary.c_str());
      throw std::runtime_error("Cannot write the node marker " + path);
    }
  }


  void NodeRegistry::Beat() const
  {
    if (utime(GetMarkerPath(self_).c_str(), nullptr) != 0)
    {
      LOG(WARNING) << "NIfTI-to-DICOM: the marker of this node was gone from " << directory_ << ", writing it again";
      WriteMarker();
    }
  }


  bool NodeRegistry::IsAlive(const std::string& instance) const
  {
    if (instance == self_)
    {
      return true;
    }
    if (!IsValidInstance(instance))
    {
      return false;
    }

    const std::string path = GetMarkerPath(instance);
    struct stat info;
    if (stat(path.c_str(), &info) != 0)
    {
      return false;
    }

    Json::Value marker;
    std::string text;
    try
    {
      Orthanc::SystemToolbox::ReadFile(text, path, false);
    }
    catch (Orthanc::OrthancException&)
    {
      return false;  // removed meanwhile
    }
    if (Orthanc::Toolbox::ReadJson(marker, text) && marker.isObject() &&
        marker["Node"].asString() == node_ && marker["Host"].asString() == host_ &&
        (marker["Pid"].asInt64() == getpid() || IsProcessGone(marker["Pid"].asInt64())))
    {
      return false;  // an earlier run of this very node: this process took its place
    }

    // To the nanosecond: whole seconds on both sides would let a node be taken as gone up to a second early
    struct timespec now;
    if (clock_gettime(CLOCK_REALTIME, &now) != 0)
    {
      return true;  // cannot tell: a live node must never be taken as gone
    }
    const double age = static_cast<double>(now.tv_sec - info.st_mtim.tv_sec) +
                       static_cast<double>(now.tv_nsec - info.st_mtim.tv_nsec) / 1e9;
    return age < 0 || age < static_cast<double>(ownerTimeout_);
  }


  void NodeRegistry::ForgetDeadInstances() const
  {
    for (const std::string& name : UploadDirectory::ListFiles(directory_))
    {
      const size_t suffix = name.size() - std::min(name.size(), std::string(MARKER_SUFFIX).size());
      if (name.compare(suffix, std::string::npos, MARKER_SUFFIX) == 0)
      {
        const std::string instance = name.substr(0, suffix);
        if (IsValidInstance(instance) && !IsAlive(instance))
        {
          LOG(INFO) << "NIfTI-to-DICOM: forgetting the stopped Orthanc instance " << instance;
          remove(GetMarkerPath(instance).c_str());
        }
      }
    }
  }
}
