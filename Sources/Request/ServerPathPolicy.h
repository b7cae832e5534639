#pragma once

#include <string>
#include <vector>

namespace NiftiToDicom
{
  // Decides which server-side files an import may read: only regular files
  // below the configured directories, once symbolic links and ".." are
  // resolved (so neither can lead out of them).
  class ServerPathPolicy
  {
  private:
    std::vector<std::string> allowed_;   // canonical, without trailing slash

  public:
    // Directories that do not exist are left out (GetMissing lists them)
    explicit ServerPathPolicy(const std::vector<std::string>& directories);

    // The canonical path of an allowed file. Throws ConversionError:
    // Forbidden (outside, or none allowed), UnknownResource (no such file
    // inside an allowed directory), InvalidInput (relative, not a file).
    std::string Resolve(const std::string& path) const;

    static std::vector<std::string> GetMissing(const std::vector<std::string>& directories);
  };
}
