#include "Metadata/BidsValues.h"

#include "Common/SplitString.h"
#include "Dicom/DicomValues.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace NiftiToDicom
{
  namespace
  {
    ConversionError WrongValue(const BidsKey& mapping, const std::string& problem)
    {
      return ConversionError(ErrorKind::InvalidInput,
                             "BIDS sidecar: \"" + std::string(mapping.key) + "\" must be " + mapping.expected +
                             "; " + problem);
    }


    ConversionError WrongType(const BidsKey& mapping, const Json::Value& value)
    {
      return WrongValue(mapping, "found " + std::string(BidsValues::DescribeType(value)));
    }


    bool IsJsonNumber(const Json::Value& value)
    {
      return (value.type() == Json::intValue ||
              value.type() == Json::uintValue ||
              value.type() == Json::realValue);
    }


    // A number written as a string ("3", " 0.035"), as some writers of
    // sidecars do: false if the string is not one whole number
    bool ParseNumberString(double& number, const std::string& text)
    {
      const size_t first = text.find_first_not_of(" \t");
      if (first == std::string::npos)
      {
        return false;
      }
      const char* begin = text.c_str() + first;
      char* end = nullptr;
      number = strtod(begin, &end);
      if (end == begin)
      {
        return false;
      }
      for (const char* p = end; *p != '\0'; ++p)
      {
        if (*p != ' ' && *p != '\t')
        {
          return false;
        }
      }
      // strtod() also reads "nan", "inf" and hexadecimal: only decimal numbers are meant here
      for (const char* p = begin; p < end; ++p)
      {
        if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '+' || *p == 'e' || *p == 'E'))
        {
          return false;
        }
      }
      return true;
    }


    double ReadNumber(const BidsKey& mapping, const Json::Value& value)
    {
      if (value.type() == Json::stringValue)
      {
        double number = 0;
        if (!ParseNumberString(number, value.asString()))
        {
          throw WrongValue(mapping, "found the string \"" + value.asString().substr(0, 64) + "\", which is not a number");
        }
        return number;
      }
      if (!IsJsonNumber(value))
      {
        throw WrongType(mapping, value);
      }
      return value.asDouble();
    }


    double ReadNonNegativeNumber(const BidsKey& mapping, const Json::Value& value)
    {
      const double number = ReadNumber(mapping, value);
      if (!std::isfinite(number))
      {
        throw WrongValue(mapping, "found a value that is not finite");
      }
      if (number < 0)
      {
        throw WrongValue(mapping, "found " + DicomValues::FormatDecimal(number) + ", which is negative");
      }
      return number;
    }


    int64_t ReadInteger(const BidsKey& mapping, const Json::Value& value)
    {
      if (!IsJsonNumber(value) && value.type() != Json::stringValue)
      {
        throw WrongType(mapping, value);
      }
      if (value.type() == Json::realValue || value.type() == Json::stringValue)
      {
        const double number = ReadNumber(mapping, value);
        if (!std::isfinite(number))
        {
          throw WrongValue(mapping, "found a value that is not finite");
        }
        if (number != std::floor(number))
        {
          throw WrongValue(mapping, "found " + DicomValues::FormatDecimal(number) + ", which is not a whole number");
        }
        if (number < 0 || number > 2147483647.0)
        {
          throw WrongValue(mapping, "found " + DicomValues::FormatDecimal(number) +
                           ", outside the range 0 to 2147483647 of an Integer String");
        }
        return static_cast<int64_t>(number);
      }
      if (value.type() == Json::uintValue)
      {
        const uint64_t number = value.asUInt64();
        if (number > 2147483647u)
        {
          throw WrongValue(mapping, "found " + std::to_string(number) +
                           ", outside the range 0 to 2147483647 of an Integer String");
        }
        return static_cast<int64_t>(number);
      }
      const int64_t number = value.asInt64();
      if (number < 0 || number > 2147483647)
      {
        throw WrongValue(mapping, "found " + std::to_string(number) +
                         ", outside the range 0 to 2147483647 of an Integer String");
      }
      return number;
    }


    std::string ReadString(const BidsKey& mapping, const Json::Value& value)
    {
      if (value.type() == Json::intValue || value.type() == Json::uintValue)
      {
        return value.asString();   // a serial number written as a number: its digits
      }
      if (value.type() == Json::realValue && std::isfinite(value.asDouble()))
      {
        return DicomValues::FormatDecimal(value.asDouble());
      }
      if (value.type() != Json::stringValue)
      {
        throw WrongType(mapping, value);
      }
      return DicomValues::ToValidUtf8(value.asString());
    }


    // The strings of a value that may be one string or a list of strings
    std::vector<std::string> ReadStringList(const BidsKey& mapping, const Json::Value& value)
    {
      std::vector<std::string> result;
      if (value.type() != Json::arrayValue)
      {
        result.push_back(ReadString(mapping, value));
      }
      else if (value.type() == Json::arrayValue)
      {
        for (Json::ArrayIndex i = 0; i < value.size(); i++)
        {
          if (value[i].type() == Json::arrayValue || value[i].type() == Json::objectValue ||
              value[i].type() == Json::booleanValue || value[i].type() == Json::nullValue)
          {
            throw WrongValue(mapping, "item " + std::to_string(i) + " of the list is " +
                             BidsValues::DescribeType(value[i]));
          }
          result.push_back(ReadString(mapping, value[i]));
        }
      }
      return result;
    }




    std::string Join(const std::vector<std::string>& values)
    {
      std::string result;
      for (size_t i = 0; i < values.size(); i++)
      {
        if (i > 0)
        {
          result += '\\';
        }
        result += values[i];
      }
      return result;
    }


    // One LO/SH/ST/LT value: the characters the VR does not allow replaced,
    // then cut to its maximum length
    std::string MakeText(const BidsKey& mapping, const std::string& value, std::vector<std::string>& warnings)
    {
      const bool isLongText = (strcmp(mapping.vr, "ST") == 0 || strcmp(mapping.vr, "LT") == 0);

      std::string cleaned = value;
      bool backslash = false;
      bool control = false;
      for (char& c : cleaned)
      {
        const unsigned char u = static_cast<unsigned char>(c);
        if (c == '\\' && !isLongText)
        {
          c = '/';
          backslash = true;
        }
        else if ((u < 0x20 && !(isLongText && (c == '\t' || c == '\n' || c == '\r' || c == '\f'))) ||
                 u == 0x7F)
        {
          c = ' ';
          control = true;
        }
      }
      if (backslash)
      {
        warnings.push_back("BIDS sidecar: " + mapping.Describe() + ": the backslashes of \"" + value + "\" were "
                           "replaced by \"/\", since a backslash separates values in DICOM");
      }
      if (control)
      {
        warnings.push_back("BIDS sidecar: " + mapping.Describe() + ": control characters, which " + mapping.vr +
                           " does not allow, were replaced by spaces");
      }

      const std::string cut = DicomValues::TruncateUtf8(cleaned, mapping.maxLength);
      if (cut != cleaned)
      {
        warnings.push_back("BIDS sidecar: " + mapping.Describe() + " was cut to " +
                           std::to_string(mapping.maxLength) + " characters, the most " + mapping.vr + " holds");
      }
      return cut;
    }


    // One CS value: upper-case letters, digits, space and underscore, at most 16
    std::string MakeCode(const BidsKey& mapping, const std::string& value, std::vector<std::string>& warnings)
    {
      std::string code;
      bool replaced = false;
      for (char c : value)
      {
        if (c >= 'a' && c <= 'z')
        {
          code += static_cast<char>(c - 'a' + 'A');
        }
        else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '_')
        {
          code += c;
        }
        else
        {
          code += '_';
          replaced = true;
        }
      }
      if (replaced)
      {
        warnings.push_back("BIDS sidecar: " + mapping.Describe() + ": \"" + value + "\" has characters that a "
                           "Code String does not allow (only A-Z, 0-9, space and underscore); they were replaced "
                           "by underscores");
      }
      if (code.size() > mapping.maxLength)
      {
        code.resize(mapping.maxLength);
        warnings.push_back("BIDS sidecar: " + mapping.Describe() + ": \"" + value + "\" was cut to " +
                           std::to_string(mapping.maxLength) + " characters, the most a Code String holds");
      }
      return code;
    }


    // dcm2niix writes the values of ScanningSequence & co. separated by
    // backslashes (JSON "PFP\\FS") or, in older versions, by underscores
    // ("GR_IR"), where GE's private terms keep their own underscore
    // ("FAST_GEMS_EDR_GEMS": FAST_GEMS, EDR_GEMS)
    std::vector<std::string> SplitCodes(const std::string& value)
    {
      std::vector<std::string> parts;
      if (value.find('\\') != std::string::npos)
      {
        parts = SplitString(value, '\\');
      }
      else
      {
        for (const std::string& part : SplitString(value, '_'))
        {
          if (!parts.empty() && !parts.back().empty() && (part == "GEMS" || part == "gems"))
          {
            parts.back() += "_" + part;
          }
          else
          {
            parts.push_back(part);
          }
        }
      }

      std::vector<std::string> result;
      for (const std::string& part : parts)
      {
        // Leading and trailing spaces are padding in CS
        const size_t first = part.find_first_not_of(' ');
        if (first != std::string::npos)
        {
          result.push_back(part.substr(first, part.find_last_not_of(' ') - first + 1));
        }
      }
      return result;
    }


    bool IsDigit(char c)
    {
      return c >= '0' && c <= '9';
    }


    // "digits" of 1 to maxDigits digits, as a number
    bool ReadField(int& number, const std::string& digits, size_t maxDigits)
    {
      if (digits.empty() || digits.size() > maxDigits)
      {
        return false;
      }
      number = 0;
      for (char c : digits)
      {
        if (!IsDigit(c))
        {
          return false;
        }
        number = number * 10 + (c - '0');
      }
      return true;
    }


    std::string TwoDigits(int value)
    {
      return std::string(1, static_cast<char>('0' + value / 10)) + static_cast<char>('0' + value % 10);
    }


    // A time of day as BIDS writes it, "HH:MM:SS[.ffffff]", into a DICOM TM
    // "HHMMSS[.ffffff]". dcm2niix prints the seconds with "%02.6f", whose
    // width counts the fraction too, so 5.99 s comes as "5.990000": one or
    // two digits are accepted in each field. The DICOM form is accepted too
    // (a user's edit). Empty if "value" is no time at all.
    std::string ParseTime(const std::string& value, bool& cut)
    {
      std::string whole = value;
      std::string fraction;
      const size_t dot = value.find('.');
      if (dot != std::string::npos)
      {
        whole = value.substr(0, dot);
        fraction = value.substr(dot + 1);
        if (fraction.empty())
        {
          return "";
        }
        for (char c : fraction)
        {
          if (!IsDigit(c))
          {
            return "";
          }
        }
      }

      int hours = 0;
      int minutes = 0;
      int seconds = 0;
      if (whole.find(':') != std::string::npos)
      {
        const std::vector<std::string> fields = SplitString(whole, ':');
        if (fields.size() != 3 ||
            !ReadField(hours, fields[0], 2) || !ReadField(minutes, fields[1], 2) || !ReadField(seconds, fields[2], 2))
        {
          return "";
        }
      }
      else if (whole.size() != 6 ||
               !ReadField(hours, whole.substr(0, 2), 2) || !ReadField(minutes, whole.substr(2, 2), 2) ||
               !ReadField(seconds, whole.substr(4, 2), 2))
      {
        return "";
      }

      if (hours > 23 || minutes > 59 || seconds > 60 /* leap second */)
      {
        return "";
      }

      cut = (fraction.size() > 6);
      if (cut)
      {
        fraction.resize(6);
      }
      return TwoDigits(hours) + TwoDigits(minutes) + TwoDigits(seconds) + (fraction.empty() ? "" : "." + fraction);
    }


    std::string MakeTime(const BidsKey& mapping, const std::string& value, std::vector<std::string>& warnings)
    {
      bool cut = false;
      const std::string time = ParseTime(value, cut);
      if (time.empty())
      {
        throw WrongValue(mapping, "found \"" + value.substr(0, 64) + "\", which is not a time of day");
      }
      if (cut)
      {
        warnings.push_back("BIDS sidecar: \"" + std::string(mapping.key) + "\" (\"" + value + "\") was cut to "
                           "microseconds, the precision of DICOM times");
      }
      return time;
    }


    bool IsLeapYear(int year)
    {
      return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    }


    // "YYYY-MM-DDTHH:MM:SS[.ffffff]" (ISO 8601, as dcm2niix writes it, with
    // the same seconds as AcquisitionTime) or DICOM's "YYYYMMDDHHMMSS[.f]"
    // into a DT "YYYYMMDDHHMMSS[.ffffff]"
    std::string MakeDateTime(const BidsKey& mapping, const std::string& value, std::vector<std::string>& warnings)
    {
      const ConversionError wrong = WrongValue(mapping, "found \"" + value.substr(0, 64) +
                                               "\", which is not a date and time of day");
      std::string date;
      std::string time;
      const size_t t = value.find('T');
      if (t != std::string::npos)
      {
        date = value.substr(0, t);
        time = value.substr(t + 1);
        if (date.size() != 10 || date[4] != '-' || date[7] != '-')
        {
          throw wrong;
        }
        date = date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
      }
      else if (value.size() >= 14)
      {
        date = value.substr(0, 8);
        time = value.substr(8);
      }
      else
      {
        throw wrong;
      }

      int year = 0;
      int month = 0;
      int day = 0;
      if (!ReadField(year, date.substr(0, 4), 4) || !ReadField(month, date.substr(4, 2), 2) ||
          !ReadField(day, date.substr(6, 2), 2))
      {
        throw wrong;
      }
      static const int DAYS[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
      if (month < 1 || month > 12 || day < 1 || day > DAYS[month - 1] ||
          (month == 2 && day == 29 && !IsLeapYear(year)))
      {
        throw wrong;
      }

      bool cut = false;
      const std::string dicomTime = ParseTime(time, cut);
      if (dicomTime.empty())
      {
        throw wrong;
      }
      if (cut)
      {
        warnings.push_back("BIDS sidecar: \"" + std::string(mapping.key) + "\" (\"" + value + "\") was cut to "
                           "microseconds, the precision of DICOM times");
      }
      return date + dicomTime;
    }


    // "i", "j-"... -> the voxel axis ('i', 'j' or 'k'); "-" (the polarity) only if allowPolarity
    char ReadPhaseAxis(const BidsKey& mapping, const Json::Value& value, bool allowPolarity)
    {
      const std::string s = ReadString(mapping, value);
      if ((s.size() == 1 || (allowPolarity && s.size() == 2 && s[1] == '-')) &&
          (s[0] == 'i' || s[0] == 'j' || s[0] == 'k'))
      {
        return s[0];
      }
      throw WrongValue(mapping, "found \"" + s + "\"");
    }


    std::string ToMilliseconds(const BidsKey& mapping, const Json::Value& value, std::vector<std::string>& warnings)
    {
      const double seconds = ReadNonNegativeNumber(mapping, value);
      if (seconds > mapping.millisecondsAbove)
      {
        warnings.push_back("BIDS sidecar: \"" + std::string(mapping.key) + "\" is " +
                           DicomValues::FormatDecimal(seconds) + ", which looks like milliseconds "
                           "although BIDS gives it in seconds; it was taken as " +
                           DicomValues::FormatDecimal(seconds) + " ms");
        return DicomValues::FormatDecimal(seconds);
      }
      else
      {
        return DicomValues::FormatDecimal(seconds * 1000.0);
      }
    }


    std::string ToTextList(const BidsKey& mapping, const Json::Value& value, std::vector<std::string>& warnings)
    {
      std::vector<std::string> values;
      for (const std::string& item : ReadStringList(mapping, value))
      {
        // In a string, backslashes already separate values
        for (const std::string& part : (value.isString() ? SplitString(item, '\\') : std::vector<std::string>(1, item)))
        {
          if (!part.empty())
          {
            values.push_back(MakeText(mapping, part, warnings));
          }
        }
      }
      return Join(values);
    }


    std::string ToCodeList(const BidsKey& mapping, const Json::Value& value, std::vector<std::string>& warnings)
    {
      std::vector<std::string> codes;
      if (value.isString())
      {
        for (const std::string& part : SplitCodes(ReadString(mapping, value)))
        {
          codes.push_back(MakeCode(mapping, part, warnings));
        }
      }
      else
      {
        for (const std::string& item : ReadStringList(mapping, value))
        {
          if (!item.empty())
          {
            codes.push_back(MakeCode(mapping, item, warnings));
          }
        }
      }
      return Join(codes);
    }


    std::string ToInPlanePhaseEncoding(const BidsKey& mapping, const Json::Value& value)
    {
      const std::string s = ReadString(mapping, value);
      if (s == "ROW" || s == "COL")
      {
        return s;
      }
      if (s == "COLUMN")
      {
        return "COL";   // as Siemens XA writes (0018,1312), which dcm2niix may copy
      }
      throw WrongValue(mapping, "found \"" + s + "\"");
    }
  }


  std::string BidsValues::Convert(const BidsKey& key, const Json::Value& list, std::vector<std::string>& warnings)
  {
    const bool isList = (key.kind == BidsValueKind::TextList || key.kind == BidsValueKind::CodeList);
    if (!isList && list.isArray() && list.size() != 1)
    {
      if (list.size() > 1)
      {
        // e.g. one echo time per echo: it means something, but not one DICOM value
        warnings.push_back("BIDS sidecar: " + key.Describe() + " holds " + std::to_string(list.size()) +
                           " values where DICOM takes one; it was not set");
      }
      return "";
    }

    // Some writers put a single value in a list of one
    const Json::Value& value = (!isList && list.isArray()) ? list[0] : list;
    if (value.isNull())
    {
      return "";
    }

    switch (key.kind)
    {
      case BidsValueKind::SecondsAsMilliseconds:
        return ToMilliseconds(key, value, warnings);

      case BidsValueKind::Decimal:
        return DicomValues::FormatDecimal(ReadNonNegativeNumber(key, value));

      case BidsValueKind::Integer:
      case BidsValueKind::AcquisitionMatrix:
        return std::to_string(ReadInteger(key, value));

      case BidsValueKind::Text:
      {
        const std::string s = ReadString(key, value);
        return s.empty() ? s : MakeText(key, s, warnings);
      }

      case BidsValueKind::TextList:
        return ToTextList(key, value, warnings);

      case BidsValueKind::Code:
      {
        const std::string s = ReadString(key, value);
        return s.empty() ? s : MakeCode(key, s, warnings);
      }

      case BidsValueKind::CodeList:
        return ToCodeList(key, value, warnings);

      case BidsValueKind::Time:
      {
        const std::string s = ReadString(key, value);
        return s.empty() ? s : MakeTime(key, s, warnings);
      }

      case BidsValueKind::DateTime:
      {
        const std::string s = ReadString(key, value);
        return s.empty() ? s : MakeDateTime(key, s, warnings);
      }

      case BidsValueKind::PhaseEncodingDirection:
        return std::string(1, ReadPhaseAxis(key, value, true));

      case BidsValueKind::PhaseEncodingAxis:
        return std::string(1, ReadPhaseAxis(key, value, false));

      case BidsValueKind::InPlanePhaseEncoding:
        return ToInPlanePhaseEncoding(key, value);

      default:
        throw ConversionError(ErrorKind::Internal, "BIDS sidecar: unhandled kind of value");
    }
  }


  const char* BidsValues::DescribeType(const Json::Value& value)
  {
    switch (value.type())
    {
      case Json::nullValue:
        return "null";
      case Json::intValue:
      case Json::uintValue:
      case Json::realValue:
        return "a number";
      case Json::stringValue:
        return "a string";
      case Json::booleanValue:
        return "a boolean";
      case Json::arrayValue:
        return "a list";
      case Json::objectValue:
        return "an object";
      default:
        return "another type";
    }
  }
}
