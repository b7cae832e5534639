#include "Dicom/DicomValues.h"

#include "Common/ConversionError.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace NiftiToDicom
{
  std::string DicomValues::FormatDecimal(double value)
  {
    if (!std::isfinite(value))
    {
      // DS has no Inf or NaN: a caller that gets here would have stored a
      // wrong value (this used to be a silent "0")
      throw ConversionError(ErrorKind::Internal, "A non-finite number cannot be written as a DICOM decimal string");
    }
    if (value == 0)
    {
      return "0";  // also turns -0 into 0
    }

    char buffer[64];
    for (int precision = 16; precision >= 1; precision--)
    {
      snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
      // Near DBL_MAX, rounding up gives a string that reads back as Inf
      if (strlen(buffer) <= 16 && std::isfinite(strtod(buffer, nullptr)))
      {
        return buffer;
      }
    }
    // unreachable: "%.1g" of a finite double fits in 8 characters and reads
    // back finite unless the double is above 9.5e307, where "%.9g" does
    throw ConversionError(ErrorKind::Internal, "A number cannot be written as a DICOM decimal string");
  }


  std::string DicomValues::FormatDecimals(const std::vector<double>& values)
  {
    std::string s;
    for (size_t i = 0; i < values.size(); i++)
    {
      if (i > 0)
      {
        s += "\\";
      }
      s += FormatDecimal(values[i]);
    }
    return s;
  }


  double DicomValues::RoundTripDecimal(double value)
  {
    return strtod(FormatDecimal(value).c_str(), nullptr);
  }


  std::string DicomValues::FormatDate(const std::tm& t)
  {
    char buffer[40];
    snprintf(buffer, sizeof(buffer), "%04d%02d%02d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday);
    return buffer;
  }


  std::string DicomValues::FormatTime(const std::tm& t)
  {
    char buffer[40];
    snprintf(buffer, sizeof(buffer), "%02d%02d%02d", t.tm_hour, t.tm_min, t.tm_sec);
    return buffer;
  }


  std::string DicomValues::ToValidUtf8(const std::string& value)
  {
    size_t i = 0;
    while (i < value.size())
    {
      const unsigned char c = static_cast<unsigned char>(value[i]);
      size_t length = (c < 0x80) ? 1 : ((c & 0xE0) == 0xC0 && c >= 0xC2) ? 2 : ((c & 0xF0) == 0xE0) ? 3 :
        ((c & 0xF8) == 0xF0 && c <= 0xF4) ? 4 : 0;
      if (length == 0 || i + length > value.size())
      {
        break;
      }
      // RFC 3629: no overlong 3/4-byte forms, no surrogates, nothing beyond U+10FFFF
      const unsigned char second = (length >= 3) ? static_cast<unsigned char>(value[i + 1]) : 0x80;
      if ((c == 0xE0 && second < 0xA0) || (c == 0xED && second > 0x9F) ||
          (c == 0xF0 && second < 0x90) || (c == 0xF4 && second > 0x8F))
      {
        break;
      }
      bool continuationOk = true;
      for (size_t j = 1; j < length; j++)
      {
        continuationOk = continuationOk && ((static_cast<unsigned char>(value[i + j]) & 0xC0) == 0x80);
      }
      if (!continuationOk)
      {
        break;
      }
      i += length;
    }

    if (i == value.size())
    {
      return value;
    }

    std::string converted;
    converted.reserve(value.size() * 2);
    for (char ch : value)
    {
      const unsigned char c = static_cast<unsigned char>(ch);
      if (c < 0x80)
      {
        converted.push_back(ch);
      }
      else
      {
        converted.push_back(static_cast<char>(0xC0 | (c >> 6)));
        converted.push_back(static_cast<char>(0x80 | (c & 0x3F)));
      }
    }
    return converted;
  }


  std::string DicomValues::TruncateUtf8(const std::string& value, size_t maxCharacters)
  {
    size_t characters = 0;
    for (size_t i = 0; i < value.size(); i++)
    {
      // Count bytes that start a character (not continuation bytes 10xxxxxx)
      if ((static_cast<unsigned char>(value[i]) & 0xC0) != 0x80)
      {
        if (characters == maxCharacters)
        {
          return value.substr(0, i);
        }
        characters++;
      }
    }
    return value;
  }


  std::string DicomValues::DescribeSingleValueProblem(const std::string& value, size_t maxCharacters,
                                                      const char* vr)
  {
    if (ToValidUtf8(value) != value)
    {
      return "is not valid UTF-8";
    }
    if (TruncateUtf8(value, maxCharacters) != value)
    {
      return "is longer than the " + std::to_string(maxCharacters) + " characters of its VR (" + vr + ")";
    }
    for (char c : value)
    {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F || c == '\\')
      {
        return "holds a backslash or a control character, which " + std::string(vr) + " does not allow";
      }
    }
    return std::string();
  }
}
