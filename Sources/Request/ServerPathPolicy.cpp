#include "Request/ServerPathPolicy.h"

#include "Common/ConversionError.h"

#include <climits>
#include <cstdlib>
#include <sys/stat.h>

namespace NiftiToDicom
{
  namespace
  {
    bool Canonicalize(std::string& target, const std::string& path)
    {
      char buffer[PATH_MAX];
      if (realpath(path.c_str(), buffer) == nullptr)
      {
        return false;
      }
      target = buffer;
      return true;
    }

    // Removes "." and ".." and repeated slashes without touching the disk
    std::string LexicallyNormal(const std::string& path)
    {
      std::vector<std::string> parts;
      size_t start = 0;
      while (start <= path.size())
      {
        size_t slash = path.find('/', start);
        if (slash == std::string::npos)
        {
          slash = path.size();
        }
        const std::string part = path.substr(start, slash - start);
        if (part == "..")
        {
          if (!parts.empty())
          {
            parts.pop_back();
          }
        }
        else if (!part.empty() && part != ".")
        {
          parts.push_back(part);
        }
        start = slash + 1;
      }

      std::string result;
      for (const std::string& part : parts)
      {
        result += "/" + part;
      }
      return result.empty() ? "/" : result;
    }

    bool IsBelow(const std::string& path, const std::string& directory)
    {
      if (directory == "/")
      {
        return true;
      }
      return path.size() > directory.size() && path.compare(0, directory.size(), directory) == 0 &&
        path[directory.size()] == '/';
    }
  }


  ServerPathPolicy::ServerPathPolicy(const std::vector<std::string>& directories)
  {
    for (const std::string& directory : directories)
    {
      std::string canonical;
      if (Canonicalize(canonical, directory))
      {
        allowed_.push_back(canonical);
      }
    }
  }


  std::vector<std::string> ServerPathPolicy::GetMissing(const std::vector<std::string>& directories)
  {
    std::vector<std::string> missing;
    for (const std::string& directory : directories)
    {
      std::string canonical;
      if (!Canonicalize(canonical, directory))
      {
        missing.push_back(directory);
      }
    }
    return missing;
  }


  std::string ServerPathPolicy::Resolve(const std::string& path) const
  {
    if (allowed_.empty())
    {
      throw ConversionError(ErrorKind::Forbidden,
                            "Imports from server paths are disabled: list the directory in the configuration option "
                            "NiftiToDicom.AllowedDirectories, or send the file with \"Nifti\" or \"Upload\"");
    }
    if (path.empty() || path[0] != '/')
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "\"Path\" must be an absolute path on the Orthanc server (got \"" + path + "\")");
    }

    std::string canonical;
    if (!Canonicalize(canonical, path))
    {
      // Say "not found" only inside an allowed directory: elsewhere, the
      // answer must not reveal what exists
      const std::string normal = LexicallyNormal(path);
      for (const std::string& directory : allowed_)
      {
        if (IsBelow(normal, directory))
        {
          throw ConversionError(ErrorKind::UnknownResource, "No file \"" + path + "\" on the Orthanc server");
        }
      }
      throw ConversionError(ErrorKind::Forbidden,
                            "\"" + path + "\" is not below a directory of NiftiToDicom.AllowedDirectories");
    }

    bool allowed = false;
    for (const std::string& directory : allowed_)
    {
      allowed = allowed || IsBelow(canonical, directory);
    }
    if (!allowed)
    {
      throw ConversionError(ErrorKind::Forbidden,
                            "\"" + path + "\" is not below a directory of NiftiToDicom.AllowedDirectories "
                            "(symbolic links and \"..\" are followed before this check)");
    }

    struct stat info;
    if (stat(canonical.c_str(), &info) != 0 || !S_ISREG(info.st_mode))
    {
      throw ConversionError(ErrorKind::InvalidInput, "\"" + path + "\" is not a regular file");
    }
    return canonical;
  }
}
