#pragma once

#include <string>

namespace NiftiToDicom
{
  class DicomUid
  {
  public:
    // A new UID under the "2.25" root (PS3.5 B.2): a random 128-bit UUID
    // written as a decimal integer. At most 44 characters.
    static std::string Generate();

    // Digits and dots, no empty or zero-led component, at most 64 characters
    static bool IsValid(const std::string& uid);
  };
}
