#pragma once

#include <ctime>
#include <string>
#include <vector>

namespace NiftiToDicom
{
  // Formatting of DICOM value representations that DCMTK leaves to the caller.
  class DicomValues
  {
  public:
    // Decimal String: at most 16 characters, as much precision as fits,
    // reading back finite. Throws ConversionError(Internal) for Inf or NaN:
    // callers check their values first (DS cannot hold them).
    static std::string FormatDecimal(double value);

    // Several DS values separated by backslashes
    static std::string FormatDecimals(const std::vector<double>& values);

    // The value a DICOM reader gets back from FormatDecimal(value)
    static double RoundTripDecimal(double value);

    static std::string FormatDate(const std::tm& t);   // YYYYMMDD
    static std::string FormatTime(const std::tm& t);   // HHMMSS

    // Cuts a UTF-8 string to at most maxCharacters characters (not bytes),
    // never inside a multi-byte sequence. Used for LO (64) and similar VRs.
    static std::string TruncateUtf8(const std::string& value, size_t maxCharacters);

    // "value" itself if it is valid UTF-8; otherwise it is read as Latin-1
    // (ISO 8859-1, what NIfTI writers put in descrip) and converted.
    static std::string ToValidUtf8(const std::string& value);

    // Why "value" cannot be one value of a character-string VR holding
    // "maxCharacters" characters (SH 16, LO 64...): "is not valid UTF-8",
    // "is longer than...", "holds a backslash or a control character...";
    // empty if it can. For values refused rather than cut (codes, names).
    static std::string DescribeSingleValueProblem(const std::string& value, size_t maxCharacters, const char* vr);
  };
}
