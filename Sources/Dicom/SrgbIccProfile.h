#pragma once

#include <string>

namespace NiftiToDicom
{
  // A minimal ICC v2 display profile of the sRGB colour space (primaries and
  // D65 white adapted to the D50 connection space, gamma 2.2 curves), for
  // the ICC Profile module that colour IODs require. Built here, byte by
  // byte, from the published sRGB and ICC constants.
  class SrgbIccProfile
  {
  public:
    static const std::string& Get();
  };
}
