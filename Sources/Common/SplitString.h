#pragma once

#include <string>
#include <vector>

namespace NiftiToDicom
{
  // "a\\b\\\\c" -> {"a", "b", "", "c"}: every separator splits, empty parts
  // are kept (a multi-valued DICOM string may have empty values)
  inline std::vector<std::string> SplitString(const std::string& s, char separator)
  {
    std::vector<std::string> result;
    size_t start = 0;
    for (;;)
    {
      const size_t end = s.find(separator, start);
      result.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
      if (end == std::string::npos)
      {
        return result;
      }
      start = end + 1;
    }
  }
}
