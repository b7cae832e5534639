#include "Dicom/DicomUid.h"

#include <algorithm>
#include <random>

namespace NiftiToDicom
{
  std::string DicomUid::Generate()
  {
    thread_local std::random_device device;

    unsigned __int128 value = 0;
    for (int i = 0; i < 4; i++)
    {
      value = (value << 32) | static_cast<uint32_t>(device());
    }

    // Version 4 UUID layout: keeps the number what a UUID would be
    value &= ~(static_cast<unsigned __int128>(0xF000) << 64);
    value |= static_cast<unsigned __int128>(0x4000) << 64;
    value &= ~(static_cast<unsigned __int128>(0xC0) << 56);
    value |= static_cast<unsigned __int128>(0x80) << 56;

    std::string digits;
    do
    {
      digits.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
      value /= 10;
    }
    while (value != 0);
    std::reverse(digits.begin(), digits.end());

    return "2.25." + digits;
  }


  bool DicomUid::IsValid(const std::string& uid)
  {
    if (uid.empty() || uid.size() > 64)
    {
      return false;
    }

    size_t componentStart = 0;
    for (size_t i = 0; i <= uid.size(); i++)
    {
      if (i == uid.size() || uid[i] == '.')
      {
        const size_t length = i - componentStart;
        if (length == 0 || (length > 1 && uid[componentStart] == '0'))
        {
          return false;
        }
        componentStart = i + 1;
      }
      else if (uid[i] < '0' || uid[i] > '9')
      {
        return false;
      }
    }
    return true;
  }
}
