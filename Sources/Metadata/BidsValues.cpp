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


    double ReadNonNegativeNumber(const BidsKey& mapping, const Json::Value& value)
    {
      if (!IsJsonNumber(value))
      {
        throw WrongType(mapping, value);
      }
      const double number = value.asDouble();
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
      if (!IsJsonNumber(value))
      {
        throw WrongType(mapping, value);
      }
      if (value.type() == Json::realValue)
      {
        const double number = value.asDouble();
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
      if (value.type() == Json::stringValue)
      {
        result.push_back(DicomValues::ToValidUtf8(value.asString()));
      }
      else if (value.type() == Json::arrayValue)
      {
        for (Json::ArrayIndex i = 0; i < value.size(); i++)
        {
          if (value[i].type() != Json::stringValue)
          {
            throw WrongValue(mapping, "item " + std::to_string(i) + " of the list is " +
                             BidsValues::DescribeType(value[i]));
          }
          result.push_back(DicomValues::ToValidUtf8(value[i].asString()));
        }
      }
      else
      {
        throw WrongType(mapping, value);
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


    // BIDS "HH:MM:SS[.ffffff]" -> DICOM "HHMMSS[.ffffff]"
    std::string MakeTime(const BidsKey& mapping, const std::string& value, std::vector<std::string>& warnings)
    {
      auto isDigit = [](char c) { return c >= '0' && c <= '9'; };

      if (value.size() < 8 ||
          !isDigit(value[0]) || !isDigit(value[1]) || value[2] != ':' ||
          !isDigit(value[3]) || !isDigit(value[4]) || value[5] != ':' ||
          !isDigit(value[6]) || !isDigit(value[7]))
      {
        throw WrongValue(mapping, "found \"" + value + "\"");
      }

      const int hours = (value[0] - '0') * 10 + (value[1] - '0');
      const int minutes = (value[3] - '0') * 10 + (value[4] - '0');
      const int seconds = (value[6] - '0') * 10 + (value[7] - '0');
      if (hours > 23 || minutes > 59 || seconds > 60 /* leap second */)
      {
        throw WrongValue(mapping, "found \"" + value + "\", which is not a time of day");
      }

      std::string fraction;
      if (value.size() > 8)
      {
        if (value[8] != '.' || value.size() == 9)
        {
          throw WrongValue(mapping, "found \"" + value + "\"");
        }
        fraction = value.substr(9);
        for (char c : fraction)
        {
          if (!isDigit(c))
          {
            throw WrongValue(mapping, "found \"" + value + "\"");
          }
        }
        if (fraction.size() > 6)
        {
          fraction.resize(6);
          warnings.push_back("BIDS sidecar: \"" + std::string(mapping.key) + "\" (\"" + value + "\") was cut to "
                             "microseconds, the precision of DICOM times");
        }
      }

      return value.substr(0, 2) + value.substr(3, 2) + value.substr(6, 2) +
        (fraction.empty() ? std::string() : "." + fraction);
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
      throw WrongValue(mapping, "found \"" + s + "\"");
    }
  }


  std::string BidsValues::Convert(const BidsKey& key, const Json::Value& value, std::vector<std::string>& warnings)
  {
    switch (key.kind)
    {
      case BidsValueKind::SecondsAsMilliseconds:
        return ToMilliseconds(key, value, warnings);

      case BidsValueKind::Decimal:
        return DicomValues::FormatDecimal(ReadNonNegativeNumber(key, value));

      case BidsValueKind::Integer:
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
