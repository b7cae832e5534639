#include "Dicom/SrgbIccProfile.h"

#include "SrgbIccProfileData.h"

namespace NiftiToDicom
{
  const std::string& SrgbIccProfile::Get()
  {
    static const std::string profile(reinterpret_cast<const char*>(Embedded::SRGB_ICC_PROFILE),
                                     Embedded::SRGB_ICC_PROFILE_SIZE);
    return profile;
  }
}
