#pragma once

#include <dcmtk/dcmdata/dctypes.h>

namespace NiftiToDicom
{
  // The private element that keeps the BIDS sidecar verbatim (README, "BIDS
  // sidecar keys"): private creator "NiftiToDicom" in (0011,0010) reserves
  // the block (0011,10xx); (0011,1001) OB holds the bytes of the sidecar's
  // JSON as the client sent them (UTF-8), followed by one space when their
  // count is odd (DICOM values have an even length; JSON ignores the
  // space). OB, not UT: a text VR may not hold the TABs that dcm2niix
  // indents its sidecars with (dciodvfy refuses them), and OB holds any
  // bytes, up to 2^32-2 of them.
  namespace PrivateSidecar
  {
    const Uint16 GROUP = 0x0011;
    const Uint16 CREATOR_ELEMENT = 0x0010;
    const Uint16 SIDECAR_ELEMENT = 0x1001;
    const char* const CREATOR = "NiftiToDicom";
  }
}
