#pragma once

#include <string>

namespace NiftiToDicom
{
  // The sRGB display profile that colour IODs carry in their ICC Profile
  // module: Debian's icc-profiles-free sRGB.icc, embedded at build time
  // (see the top CMakeLists.txt)
  class SrgbIccProfile
  {
  public:
    static const std::string& Get();
  };
}
