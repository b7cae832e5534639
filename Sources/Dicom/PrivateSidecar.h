#pragma once

#include <dcmtk/dcmdata/dctypes.h>

namespace NiftiToDicom
{
  // The private element that keeps the BIDS sidecar verbatim (README,
  // "Sidecar"): private creator "NiftiToDicom" in (0011,0010) reserves the
  // block (0011,10xx); (0011,1001) UT holds the sidecar's JSON text as the
  // client sent it, in UTF-8 (the instances declare ISO_IR 192). UT holds
  // up to 2^32-2 bytes; its value is padded with a trailing space to an
  // even length, which a JSON reader ignores.
  namespace PrivateSidecar
  {
    const Uint16 GROUP = 0x0011;
    const Uint16 CREATOR_ELEMENT = 0x0010;
    const Uint16 SIDECAR_ELEMENT = 0x1001;
    const char* const CREATOR = "NiftiToDicom";
  }
}
