#pragma once

#include <dcmtk/dcmdata/dctagkey.h>

#include <string>

namespace NiftiToDicom
{
  // How the value of a BIDS key becomes a DICOM value
  enum class BidsValueKind
  {
    SecondsAsMilliseconds,   // number of seconds in BIDS, DS of milliseconds in DICOM
    Decimal,                 // number, DS (or FD) in the same unit
    Integer,                 // whole number, IS
    Text,                    // string, one LO/SH/ST/LT value
    TextList,                // string or list of strings, LO values
    Code,                    // string, one CS value
    CodeList,                // string ("GR_IR", "PFP\\FS") or list of strings, CS values
    Time,                    // "HH:MM:SS.ffffff" (dcm2niix may drop leading zeros), TM
    DateTime,                // "YYYY-MM-DDTHH:MM:SS.ffffff", DT
    AcquisitionMatrix,       // number of phase-encoding steps: placed in (0018,1310) by the phase axis
    PhaseEncodingDirection,  // "i", "j-"...: (0018,1312) ROW or COL
    PhaseEncodingAxis,       // "i", "j" or "k": idem
    InPlanePhaseEncoding     // "ROW" or "COL", as dcm2niix copies it from the DICOM
  };


  // One BIDS key that a DICOM attribute holds
  struct BidsKey
  {
    const char*    key;
    DcmTagKey      tag;
    BidsValueKind  kind;
    const char*    vr;
    size_t         maxLength;          // characters per value (texts and codes)
    const char*    expected;           // for the error messages
    double         millisecondsAbove;  // SecondsAsMilliseconds: larger values look like milliseconds
    bool           equipment;          // identifies the scanner: Contributing Equipment, not General Equipment

    // "\"EchoTime\" ((0018,0081), DS)", for the warnings
    std::string Describe() const;
  };


  // The BIDS keys (of dcm2niix's sidecars, any release) that this plugin
  // maps to public DICOM attributes of the classic MR/CT IODs; the scanner's
  // identity (BidsKey::equipment) goes to the Contributing Equipment Sequence
  class BidsKeyTable
  {
  public:
    // nullptr if "key" has no DICOM attribute
    static const BidsKey* Find(const std::string& key);

    // Keys whose public attribute the plugin decides from the request, the
    // NIfTI or the parent study, which a sidecar's value neither sets nor
    // needs a warning for (the private copy keeps them)
    static bool IsLeftToThePlugin(const std::string& key);
  };
}
