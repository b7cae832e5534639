#include "Metadata/BidsSidecar.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomValues.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dctag.h>

#include <cmath>
#include <cstring>
#include <map>

namespace NiftiToDicom
{
  namespace
  {
    enum class ValueKind
    {
      SecondsAsMilliseconds,   // number of seconds in BIDS, DS of milliseconds in DICOM
      Decimal,                 // number, DS in the same unit
      Integer,                 // whole number, IS
      Text,                    // string, one LO/SH/ST/LT value
      TextList,                // string or list of strings, LO values
      Code,                    // string, one CS value
      CodeList,                // string ("GR_IR", "PFP\\FS") or list of strings, CS values
      Time,                    // "HH:MM:SS.ffffff", TM
      PhaseEncodingDirection,  // "i", "j-"...: (0018,1312) ROW or COL
      PhaseEncodingAxis,       // "i", "j" or "k": idem
      InPlanePhaseEncoding     // "ROW" or "COL", as dcm2niix copies it from the DICOM
    };

    struct KeyMapping
    {
      const char*  key;
      DcmTagKey    tag;
      ValueKind    kind;
      const char*  vr;
      size_t       maxLength;          // characters per value (texts and codes)
      const char*  expected;           // for the error messages
      double       millisecondsAbove;  // SecondsAsMilliseconds: larger values look like milliseconds
    };

    const KeyMapping MAPPINGS[] =
    {
      { "EchoTime", DCM_EchoTime, ValueKind::SecondsAsMilliseconds, "DS", 0,
        "a number of seconds, e.g. 0.03", 1 },
      { "RepetitionTime", DCM_RepetitionTime, ValueKind::SecondsAsMilliseconds, "DS", 0,
        "a number of seconds, e.g. 2.5", 100 },
      { "InversionTime", DCM_InversionTime, ValueKind::SecondsAsMilliseconds, "DS", 0,
        "a number of seconds, e.g. 0.9", 10 },
      { "FlipAngle", DCM_FlipAngle, ValueKind::Decimal, "DS", 0, "a number of degrees, e.g. 90", 0 },
      { "MagneticFieldStrength", DCM_MagneticFieldStrength, ValueKind::Decimal, "DS", 0,
        "a number of tesla, e.g. 3", 0 },
      { "ImagingFrequency", DCM_ImagingFrequency, ValueKind::Decimal, "DS", 0,
        "a number of megahertz, e.g. 123.25", 0 },
      { "SliceThickness", DCM_SliceThickness, ValueKind::Decimal, "DS", 0,
        "a number of millimetres, e.g. 1.2", 0 },
      { "SpacingBetweenSlices", DCM_SpacingBetweenSlices, ValueKind::Decimal, "DS", 0,
        "a number of millimetres, e.g. 1.5", 0 },
      { "PixelBandwidth", DCM_PixelBandwidth, ValueKind::Decimal, "DS", 0,
        "a number of hertz per pixel, e.g. 2315", 0 },
      { "PercentPhaseFieldOfView", DCM_PercentPhaseFieldOfView, ValueKind::Decimal, "DS", 0,
        "a percentage, e.g. 100", 0 },
      // The name dcm2niix writes for the same attribute
      { "PercentPhaseFOV", DCM_PercentPhaseFieldOfView, ValueKind::Decimal, "DS", 0,
        "a percentage, e.g. 100", 0 },
      { "PercentSampling", DCM_PercentSampling, ValueKind::Decimal, "DS", 0, "a percentage, e.g. 100", 0 },
      { "SeriesNumber", DCM_SeriesNumber, ValueKind::Integer, "IS", 0, "a whole number, e.g. 3", 0 },
      { "EchoTrainLength", DCM_EchoTrainLength, ValueKind::Integer, "IS", 0,
        "a whole number of echoes, e.g. 54", 0 },
      { "EchoNumber", DCM_EchoNumbers, ValueKind::Integer, "IS", 0, "a whole number, e.g. 1", 0 },
      { "Manufacturer", DCM_Manufacturer, ValueKind::Text, "LO", 64, "a string, e.g. \"Siemens\"", 0 },
      { "ManufacturersModelName", DCM_ManufacturerModelName, ValueKind::Text, "LO", 64,
        "a string, e.g. \"Prisma_fit\"", 0 },
      { "DeviceSerialNumber", DCM_DeviceSerialNumber, ValueKind::Text, "LO", 64, "a string, e.g. \"67060\"", 0 },
      { "StationName", DCM_StationName, ValueKind::Text, "SH", 16, "a string, e.g. \"MRC35131\"", 0 },
      { "SoftwareVersions", DCM_SoftwareVersions, ValueKind::TextList, "LO", 64,
        "a string or a list of strings, e.g. \"syngo MR E11\"", 0 },
      { "InstitutionName", DCM_InstitutionName, ValueKind::Text, "LO", 64, "a string", 0 },
      { "InstitutionAddress", DCM_InstitutionAddress, ValueKind::Text, "ST", 1024, "a string", 0 },
      { "InstitutionalDepartmentName", DCM_InstitutionalDepartmentName, ValueKind::Text, "LO", 64,
        "a string, e.g. \"Radiology\"", 0 },
      { "SeriesDescription", DCM_SeriesDescription, ValueKind::Text, "LO", 64, "a string, e.g. \"t1_mprage\"", 0 },
      { "ProtocolName", DCM_ProtocolName, ValueKind::Text, "LO", 64, "a string, e.g. \"t1_mprage\"", 0 },
      { "SequenceName", DCM_SequenceName, ValueKind::Text, "SH", 16, "a string, e.g. \"*tfl3d1_16ns\"", 0 },
      { "ReceiveCoilName", DCM_ReceiveCoilName, ValueKind::Text, "SH", 16, "a string, e.g. \"HeadNeck_20\"", 0 },
      { "ImagedNucleus", DCM_ImagedNucleus, ValueKind::Text, "SH", 16, "a string, e.g. \"1H\"", 0 },
      { "ImageComments", DCM_ImageComments, ValueKind::Text, "LT", 10240, "a string", 0 },
      { "ScanningSequence", DCM_ScanningSequence, ValueKind::CodeList, "CS", 16,
        "a string or a list of strings, e.g. \"GR_IR\" or [\"GR\", \"IR\"]", 0 },
      { "SequenceVariant", DCM_SequenceVariant, ValueKind::CodeList, "CS", 16,
        "a string or a list of strings, e.g. \"SK_SP_MP\" or [\"SK\", \"SP\", \"MP\"]", 0 },
      { "ScanOptions", DCM_ScanOptions, ValueKind::CodeList, "CS", 16,
        "a string or a list of strings, e.g. \"PFP_FS\" or [\"PFP\", \"FS\"]", 0 },
      { "MRAcquisitionType", DCM_MRAcquisitionType, ValueKind::Code, "CS", 16, "a string, \"2D\" or \"3D\"", 0 },
      { "BodyPartExamined", DCM_BodyPartExamined, ValueKind::Code, "CS", 16, "a string, e.g. \"BRAIN\"", 0 },
      { "PatientPosition", DCM_PatientPosition, ValueKind::Code, "CS", 16, "a string, e.g. \"HFS\"", 0 },
      { "AcquisitionTime", DCM_AcquisitionTime, ValueKind::Time, "TM", 0,
        "a time of day \"HH:MM:SS.ffffff\", e.g. \"13:19:34.087500\"", 0 },
      { "PhaseEncodingDirection", DCM_InPlanePhaseEncodingDirection, ValueKind::PhaseEncodingDirection, "CS", 0,
        "one of \"i\", \"i-\", \"j\", \"j-\", \"k\", \"k-\" (the voxel axis along which the phase is encoded)", 0 },
      { "PhaseEncodingAxis", DCM_InPlanePhaseEncodingDirection, ValueKind::PhaseEncodingAxis, "CS", 0,
        "one of \"i\", \"j\", \"k\" (the voxel axis along which the phase is encoded)", 0 },
      { "InPlanePhaseEncodingDirectionDICOM", DCM_InPlanePhaseEncodingDirection, ValueKind::InPlanePhaseEncoding,
        "CS", 0, "\"ROW\" or \"COL\"", 0 }
    };

    // Decided by the plugin from the request and the NIfTI
    const char* const SILENTLY_IGNORED[] =
    {
      "Modality"
    };


    const KeyMapping* FindMapping(const std::string& key)
    {
      for (const KeyMapping& mapping : MAPPINGS)
      {
        if (key == mapping.key)
        {
          return &mapping;
        }
      }
      return nullptr;
    }


    bool IsSilentlyIgnored(const std::string& key)
    {
      for (const char* name : SILENTLY_IGNORED)
      {
        if (key == name)
        {
          return true;
        }
      }
      return false;
    }


    const char* DescribeType(const Json::Value& value)
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


    ConversionError WrongValue(const KeyMapping& mapping, const std::string& problem)
    {
      return ConversionError(ErrorKind::InvalidInput,
                             "BIDS sidecar: \"" + std::string(mapping.key) + "\" must be " + mapping.expected +
                             "; " + problem);
    }


    ConversionError WrongType(const KeyMapping& mapping, const Json::Value& value)
    {
      return WrongValue(mapping, "found " + std::string(DescribeType(value)));
    }


    bool IsJsonNumber(const Json::Value& value)
    {
      return (value.type() == Json::intValue ||
              value.type() == Json::uintValue ||
              value.type() == Json::realValue);
    }


    double ReadNonNegativeNumber(const KeyMapping& mapping, const Json::Value& value)
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


    int64_t ReadInteger(const KeyMapping& mapping, const Json::Value& value)
    {
      if (!IsJsonNumber(value))
      {
        throw WrongType(mapping, value);
      }
      if (value.type() == Json::realValue)
      {
        const double number = value.asDouble();
        if (!std::isfinite(number) || number != std::floor(number))
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


    std::string ReadString(const KeyMapping& mapping, const Json::Value& value)
    {
      if (value.type() != Json::stringValue)
      {
        throw WrongType(mapping, value);
      }
      return DicomValues::ToValidUtf8(value.asString());
    }


    // The strings of a value that may be one string or a list of strings
    std::vector<std::string> ReadStringList(const KeyMapping& mapping, const Json::Value& value)
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
            throw WrongValue(mapping, "item " + std::to_string(i) + " of the list is " + DescribeType(value[i]));
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


    std::vector<std::string> Split(const std::string& s, char separator)
    {
      std::vector<std::string> result;
      size_t start = 0;
      for (;;)
      {
        const size_t end = s.find(separator, start);
        result.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos)
        {
          return result;
        }
        start = end + 1;
      }
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


    std::string Describe(const KeyMapping& mapping)
    {
      return "\"" + std::string(mapping.key) + "\" (" + mapping.tag.toString().c_str() + ", " + mapping.vr + ")";
    }


    class Mapper
    {
    private:
      std::map<DcmTagKey, std::pair<std::string, std::string> >  values_;   // tag -> (BIDS key, value)
      std::vector<std::string>&  warnings_;

    public:
      explicit Mapper(std::vector<std::string>& warnings) :
        warnings_(warnings)
      {
      }

      void Add(const KeyMapping& mapping, const std::string& value)
      {
        auto found = values_.find(mapping.tag);
        if (found == values_.end())
        {
          values_[mapping.tag] = std::make_pair(std::string(mapping.key), value);
        }
        else if (found->second.second != value)
        {
          warnings_.push_back("BIDS sidecar: \"" + std::string(mapping.key) + "\" (" + value + ") disagrees with \"" +
                              found->second.first + "\" (" + found->second.second + "); " +
                              mapping.tag.toString().c_str() + " was set from \"" + found->second.first + "\"");
        }
      }

      void Export(std::vector<std::pair<DcmTagKey, std::string> >& target) const
      {
        target.clear();
        for (const auto& entry : values_)
        {
          target.push_back(std::make_pair(entry.first, entry.second.second));
        }
      }
    };


    // One LO/SH/ST/LT value: the characters the VR does not allow replaced,
    // then cut to its maximum length
    std::string MakeText(const KeyMapping& mapping, const std::string& value, std::vector<std::string>& warnings)
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
        warnings.push_back("BIDS sidecar: " + Describe(mapping) + ": the backslashes of \"" + value + "\" were "
                           "replaced by \"/\", since a backslash separates values in DICOM");
      }
      if (control)
      {
        warnings.push_back("BIDS sidecar: " + Describe(mapping) + ": control characters, which " + mapping.vr +
                           " does not allow, were replaced by spaces");
      }

      const std::string cut = DicomValues::TruncateUtf8(cleaned, mapping.maxLength);
      if (cut != cleaned)
      {
        warnings.push_back("BIDS sidecar: " + Describe(mapping) + " was cut to " +
                           std::to_string(mapping.maxLength) + " characters, the most " + mapping.vr + " holds");
      }
      return cut;
    }


    // One CS value: upper-case letters, digits, space and underscore, at most 16
    std::string MakeCode(const KeyMapping& mapping, const std::string& value, std::vector<std::string>& warnings)
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
        warnings.push_back("BIDS sidecar: " + Describe(mapping) + ": \"" + value + "\" has characters that a "
                           "Code String does not allow (only A-Z, 0-9, space and underscore); they were replaced "
                           "by underscores");
      }
      if (code.size() > mapping.maxLength)
      {
        code.resize(mapping.maxLength);
        warnings.push_back("BIDS sidecar: " + Describe(mapping) + ": \"" + value + "\" was cut to " +
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
        parts = Split(value, '\\');
      }
      else
      {
        for (const std::string& part : Split(value, '_'))
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
    std::string MakeTime(const KeyMapping& mapping, const std::string& value, std::vector<std::string>& warnings)
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
    char ReadPhaseAxis(const KeyMapping& mapping, const Json::Value& value, bool allowPolarity)
    {
      const std::string s = ReadString(mapping, value);
      if ((s.size() == 1 || (allowPolarity && s.size() == 2 && s[1] == '-')) &&
          (s[0] == 'i' || s[0] == 'j' || s[0] == 'k'))
      {
        return s[0];
      }
      throw WrongValue(mapping, "found \"" + s + "\"");
    }
  }


  BidsSidecar BidsSidecar::Parse(const Json::Value& sidecar)
  {
    BidsSidecar result;
    if (sidecar.isNull())
    {
      return result;
    }
    if (!sidecar.isObject())
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The BIDS sidecar must be a JSON object mapping BIDS keys to values, "
                            "e.g. {\"EchoTime\": 0.03, \"RepetitionTime\": 2.5}; found " +
                            std::string(DescribeType(sidecar)));
    }

    Mapper mapper(result.warnings_);
    std::vector<std::string> ignored;

    // The three ways of giving the phase-encoding axis, by decreasing priority
    char directionAxis = 0;
    char axisAxis = 0;
    std::string inPlaneDicom;

    // getMemberNames() is sorted: the warnings come in a stable order
    for (const std::string& key : sidecar.getMemberNames())
    {
      const Json::Value& value = sidecar[key];
      const KeyMapping* mapping = FindMapping(key);

      if (mapping == nullptr)
      {
        if (!IsSilentlyIgnored(key))
        {
          ignored.push_back(key);
        }
        continue;
      }

      if (value.isNull())
      {
        continue;  // "unknown", as some writers put it
      }

      switch (mapping->kind)
      {
        case ValueKind::SecondsAsMilliseconds:
        {
          const double seconds = ReadNonNegativeNumber(*mapping, value);
          double milliseconds;
          if (seconds > mapping->millisecondsAbove)
          {
            milliseconds = seconds;
            result.warnings_.push_back("BIDS sidecar: \"" + std::string(mapping->key) + "\" is " +
                                       DicomValues::FormatDecimal(seconds) + ", which looks like milliseconds "
                                       "although BIDS gives it in seconds; it was taken as " +
                                       DicomValues::FormatDecimal(seconds) + " ms");
          }
          else
          {
            milliseconds = seconds * 1000.0;
          }

          const std::string formatted = DicomValues::FormatDecimal(milliseconds);
          mapper.Add(*mapping, formatted);

          // What a DICOM reader gets back
          const double stored = DicomValues::RoundTripDecimal(milliseconds);
          if (mapping->tag == DCM_EchoTime)
          {
            result.hasEchoTime_ = true;
            result.echoTimeMs_ = stored;
          }
          else if (mapping->tag == DCM_RepetitionTime)
          {
            result.hasRepetitionTime_ = true;
            result.repetitionTimeMs_ = stored;
          }
          break;
        }

        case ValueKind::Decimal:
        {
          const double number = ReadNonNegativeNumber(*mapping, value);
          mapper.Add(*mapping, DicomValues::FormatDecimal(number));

          const double stored = DicomValues::RoundTripDecimal(number);
          if (mapping->tag == DCM_FlipAngle)
          {
            result.hasFlipAngle_ = true;
            result.flipAngle_ = stored;
          }
          else if (mapping->tag == DCM_MagneticFieldStrength)
          {
            result.hasMagneticFieldStrength_ = true;
            result.magneticFieldStrength_ = stored;
          }
          break;
        }

        case ValueKind::Integer:
          mapper.Add(*mapping, std::to_string(ReadInteger(*mapping, value)));
          break;

        case ValueKind::Text:
        {
          const std::string s = ReadString(*mapping, value);
          if (!s.empty())
          {
            const std::string text = MakeText(*mapping, s, result.warnings_);
            mapper.Add(*mapping, text);
            if (mapping->tag == DCM_SeriesDescription)
            {
              result.seriesDescription_ = text;
            }
          }
          break;
        }

        case ValueKind::TextList:
        {
          std::vector<std::string> values;
          for (const std::string& item : ReadStringList(*mapping, value))
          {
            // In a string, backslashes already separate values
            for (const std::string& part : (value.isString() ? Split(item, '\\') : std::vector<std::string>(1, item)))
            {
              if (!part.empty())
              {
                values.push_back(MakeText(*mapping, part, result.warnings_));
              }
            }
          }
          if (!values.empty())
          {
            mapper.Add(*mapping, Join(values));
          }
          break;
        }

        case ValueKind::Code:
        {
          const std::string s = ReadString(*mapping, value);
          if (!s.empty())
          {
            mapper.Add(*mapping, MakeCode(*mapping, s, result.warnings_));
          }
          break;
        }

        case ValueKind::CodeList:
        {
          std::vector<std::string> codes;
          if (value.isString())
          {
            for (const std::string& part : SplitCodes(ReadString(*mapping, value)))
            {
              codes.push_back(MakeCode(*mapping, part, result.warnings_));
            }
          }
          else
          {
            for (const std::string& item : ReadStringList(*mapping, value))
            {
              if (!item.empty())
              {
                codes.push_back(MakeCode(*mapping, item, result.warnings_));
              }
            }
          }
          if (!codes.empty())
          {
            mapper.Add(*mapping, Join(codes));
          }
          break;
        }

        case ValueKind::Time:
        {
          const std::string s = ReadString(*mapping, value);
          if (!s.empty())
          {
            mapper.Add(*mapping, MakeTime(*mapping, s, result.warnings_));
          }
          break;
        }

        case ValueKind::PhaseEncodingDirection:
          directionAxis = ReadPhaseAxis(*mapping, value, true);
          break;

        case ValueKind::PhaseEncodingAxis:
          axisAxis = ReadPhaseAxis(*mapping, value, false);
          break;

        case ValueKind::InPlanePhaseEncoding:
        {
          const std::string s = ReadString(*mapping, value);
          if (s == "ROW" || s == "COL")
          {
            inPlaneDicom = s;
          }
          else
          {
            throw WrongValue(*mapping, "found \"" + s + "\"");
          }
          break;
        }

        default:
          throw ConversionError(ErrorKind::Internal, "BIDS sidecar: unhandled kind of value");
      }
    }

    // PhaseEncodingDirection, else PhaseEncodingAxis (what dcm2niix writes
    // when the polarity is unknown), else what the source DICOM said
    const char* axisKey = nullptr;
    char axis = 0;
    if (directionAxis != 0)
    {
      axisKey = "PhaseEncodingDirection";
      axis = directionAxis;
      if (axisAxis != 0 && axisAxis != directionAxis)
      {
        result.warnings_.push_back(std::string("BIDS sidecar: \"PhaseEncodingAxis\" (") + axisAxis +
                                   ") disagrees with \"PhaseEncodingDirection\" (" + directionAxis +
                                   "); PhaseEncodingDirection was used");
      }
    }
    else if (axisAxis != 0)
    {
      axisKey = "PhaseEncodingAxis";
      axis = axisAxis;
    }

    const KeyMapping& phaseMapping = *FindMapping("PhaseEncodingDirection");
    if (axis == 'k')
    {
      result.warnings_.push_back(std::string("BIDS sidecar: \"") + axisKey + "\" is along k, across the slices; "
                                 "InPlanePhaseEncodingDirection (0018,1312) can only be ROW or COL, so it was "
                                 "not set");
    }
    else if (axis != 0)
    {
      // Voxel index i grows along a DICOM row (column c = i), j along a column
      const std::string code = (axis == 'i' ? "ROW" : "COL");
      mapper.Add(phaseMapping, code);
      if (!inPlaneDicom.empty() && inPlaneDicom != code)
      {
        result.warnings_.push_back(std::string("BIDS sidecar: \"InPlanePhaseEncodingDirectionDICOM\" (") +
                                   inPlaneDicom + ") disagrees with \"" + axisKey + "\" (" + axis + ", i.e. " +
                                   code + "), perhaps because the NIfTI was reoriented after its conversion; " +
                                   code + " was used");
      }
    }
    else if (!inPlaneDicom.empty())
    {
      mapper.Add(phaseMapping, inPlaneDicom);
    }

    if (!ignored.empty())
    {
      std::string list;
      for (size_t i = 0; i < ignored.size(); i++)
      {
        list += (i == 0 ? "" : ", ") + ignored[i];
      }
      result.warnings_.push_back("Sidecar keys this plugin does not map to DICOM attributes were ignored: " + list);
    }

    mapper.Export(result.attributes_);
    return result;
  }


  bool BidsSidecar::Lookup(std::string& value, const DcmTagKey& tag) const
  {
    for (const auto& entry : attributes_)
    {
      if (entry.first == tag)
      {
        value = entry.second;
        return true;
      }
    }
    return false;
  }


  void BidsSidecar::ApplyTo(DcmItem& item) const
  {
    for (const auto& entry : attributes_)
    {
      if (item.putAndInsertString(DcmTag(entry.first), entry.second.c_str(), OFTrue).bad())
      {
        throw ConversionError(ErrorKind::Internal, std::string("Cannot set ") + entry.first.toString().c_str() +
                              " from the BIDS sidecar");
      }
    }
  }


  bool BidsSidecar::GetRepetitionTimeMs(double& value) const
  {
    if (hasRepetitionTime_)
    {
      value = repetitionTimeMs_;
    }
    return hasRepetitionTime_;
  }


  bool BidsSidecar::GetEchoTimeMs(double& value) const
  {
    if (hasEchoTime_)
    {
      value = echoTimeMs_;
    }
    return hasEchoTime_;
  }


  bool BidsSidecar::GetFlipAngle(double& value) const
  {
    if (hasFlipAngle_)
    {
      value = flipAngle_;
    }
    return hasFlipAngle_;
  }


  bool BidsSidecar::GetMagneticFieldStrength(double& value) const
  {
    if (hasMagneticFieldStrength_)
    {
      value = magneticFieldStrength_;
    }
    return hasMagneticFieldStrength_;
  }
}
