#include "Request/ImportRequest.h"

#include "Common/ConversionError.h"

#include <json/reader.h>
#include <json/value.h>

#include <cstdio>
#include <cstring>
#include <memory>

namespace NiftiToDicom
{
  namespace
  {
    const char* const KNOWN_FIELDS[] =
    {
      "Nifti", "Upload", "Path", "ParentStudy", "SeriesDescription", "Modality", "Tags", "Filename",
      "Sidecar", "SendTo", "Asynchronous", "Synchronous", "Priority", "Type", "Units", "Quantity",
      "DoublePrecision", "Labels", "ReferenceSeries", "Bval", "Bvec", "UseNiftiDescription"
    };

    std::vector<std::string> ReadNames(const Json::Value& value, const char* member, const std::string& where)
    {
      std::vector<std::string> names;
      if (!value.isMember(member))
      {
        return names;
      }
      const Json::Value& list = value[member];
      if (!list.isArray())
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              where + ": \"" + member + "\" must be a list of names, e.g. [\"PACS\"]");
      }
      for (const Json::Value& name : list)
      {
        if (!name.isString() || name.asString().empty())
        {
          throw ConversionError(ErrorKind::InvalidInput,
                                where + ": \"" + member + "\" must contain non-empty names (strings)");
        }
        names.push_back(name.asString());
      }
      return names;
    }

    int DecodeBase64Character(char c)
    {
      if (c >= 'A' && c <= 'Z') return c - 'A';
      if (c >= 'a' && c <= 'z') return c - 'a' + 26;
      if (c >= '0' && c <= '9') return c - '0' + 52;
      if (c == '+' || c == '-') return 62;   // standard and URL-safe alphabets
      if (c == '/' || c == '_') return 63;
      return -1;
    }

    bool IsWhitespace(char c)
    {
      return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    const Json::Value& GetOptionalString(const Json::Value& root, const char* field)
    {
      const Json::Value& value = root[field];
      if (!value.isNull() && !value.isString())
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              std::string("The field \"") + field + "\" must be a string");
      }
      return value;
    }

    std::string MegabytesOf(size_t bytes)
    {
      char buffer[32];
      snprintf(buffer, sizeof(buffer), "%.1f MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
      return buffer;
    }

    ConversionError TooLargeUpload(size_t bytes, size_t maxNiftiBytes)
    {
      return ConversionError(ErrorKind::TooLarge,
                             "The NIfTI file (about " + MegabytesOf(bytes) + ") exceeds the maximum upload size of " +
                             MegabytesOf(maxNiftiBytes) + " (configuration option MaximumUploadSize); "
                             "raise the option or send a smaller file");
    }
  }


  SendTo SendTo::Parse(const Json::Value& value, const std::string& where)
  {
    if (!value.isObject())
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            where + " must be an object such as {\"Modalities\": [\"PACS\"], \"Peers\": [\"backup\"]}");
    }
    for (const std::string& member : value.getMemberNames())
    {
      if (member != "Modalities" && member != "Peers")
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              where + ": unknown member \"" + member + "\" (expected \"Modalities\" and/or \"Peers\")");
      }
    }
    SendTo result;
    result.modalities = ReadNames(value, "Modalities", where);
    result.peers = ReadNames(value, "Peers", where);
    return result;
  }


  Json::Value SendTo::ToJson() const
  {
    Json::Value result(Json::objectValue);
    result["Modalities"] = Json::Value(Json::arrayValue);
    result["Peers"] = Json::Value(Json::arrayValue);
    for (const std::string& m : modalities)
    {
      result["Modalities"].append(m);
    }
    for (const std::string& p : peers)
    {
      result["Peers"].append(p);
    }
    return result;
  }


  size_t Base64::DecodedSizeBound(size_t encodedLength)
  {
    return encodedLength / 4 * 3 + 3;
  }


  bool Base64::Decode(std::string& target, const char* begin, const char* end)
  {
    // 0..63: value; WHITESPACE, PADDING, INVALID: the other classes
    static const uint8_t WHITESPACE = 64, PADDING = 65, INVALID = 66;
    static const struct Table
    {
      uint8_t value[256];
      Table()
      {
        for (int c = 0; c < 256; c++)
        {
          const int v = DecodeBase64Character(static_cast<char>(c));
          value[c] = (v >= 0) ? static_cast<uint8_t>(v) :
            IsWhitespace(static_cast<char>(c)) ? WHITESPACE : (c == '=') ? PADDING : INVALID;
        }
      }
    } table;

    target.resize(DecodedSizeBound(end - begin));
    uint8_t* output = reinterpret_cast<uint8_t*>(&target[0]);
    const uint8_t* p = reinterpret_cast<const uint8_t*>(begin);
    const uint8_t* const last = reinterpret_cast<const uint8_t*>(end);

    uint32_t accumulator = 0;
    int count = 0;      // characters in the current quantum
    int padding = 0;

    while (p != last)
    {
      // Fast path: four data characters at the start of a quantum
      if (count == 0 && padding == 0 && last - p >= 4)
      {
        const uint8_t a = table.value[p[0]], b = table.value[p[1]], c = table.value[p[2]], d = table.value[p[3]];
        if ((a | b | c | d) < 64)
        {
          const uint32_t v = (static_cast<uint32_t>(a) << 18) | (static_cast<uint32_t>(b) << 12) |
            (static_cast<uint32_t>(c) << 6) | d;
          output[0] = static_cast<uint8_t>(v >> 16);
          output[1] = static_cast<uint8_t>(v >> 8);
          output[2] = static_cast<uint8_t>(v);
          output += 3;
          p += 4;
          continue;
        }
      }

      const uint8_t v = table.value[*p++];
      if (v == WHITESPACE)
      {
        continue;
      }
      if (v == PADDING)
      {
        padding++;
        if (count + padding > 4 || count < 2)
        {
          return false;
        }
        continue;
      }
      if (v == INVALID || padding > 0)
      {
        return false;  // not base64, or data after padding
      }

      accumulator = (accumulator << 6) | v;
      count++;
      if (count == 4)
      {
        *output++ = static_cast<uint8_t>(accumulator >> 16);
        *output++ = static_cast<uint8_t>(accumulator >> 8);
        *output++ = static_cast<uint8_t>(accumulator);
        accumulator = 0;
        count = 0;
      }
    }

    // A final partial quantum (padded or not)
    if (count == 1)
    {
      return false;
    }
    else if (count == 2)
    {
      *output++ = static_cast<uint8_t>(accumulator >> 4);
    }
    else if (count == 3)
    {
      *output++ = static_cast<uint8_t>(accumulator >> 10);
      *output++ = static_cast<uint8_t>(accumulator >> 2);
    }

    target.resize(output - reinterpret_cast<uint8_t*>(&target[0]));
    return true;
  }


  bool LargeStringMember::Find(LargeStringMember& target, const char* begin, const char* end, const std::string& key)
  {
    // A minimal scanner of the top-level object: it only has to find where
    // values start and end. Anything unusual makes it give up, and the
    // caller then parses the whole body with JsonCpp.
    const char* p = begin;
    auto skipSpace = [&]()
    {
      while (p != end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
      {
        ++p;
      }
    };

    // Moves p past a string starting at p (on its opening quote)
    auto skipString = [&](bool& hasEscape) -> bool
    {
      hasEscape = false;
      ++p;
      for (;;)
      {
        const char* quote = reinterpret_cast<const char*>(memchr(p, '"', end - p));
        if (quote == nullptr)
        {
          return false;
        }
        size_t backslashes = 0;
        while (quote - backslashes > p && quote[-1 - static_cast<ptrdiff_t>(backslashes)] == '\\')
        {
          backslashes++;
        }
        if (!hasEscape && memchr(p, '\\', quote - p) != nullptr)
        {
          hasEscape = true;
        }
        p = quote + 1;
        if (backslashes % 2 == 0)
        {
          return true;
        }
      }
    };

    skipSpace();
    if (p == end || *p != '{')
    {
      return false;
    }
    ++p;

    bool found = false;
    for (;;)
    {
      skipSpace();
      if (p == end || *p != '"')
      {
        return false;
      }
      const char* keyBegin = p + 1;
      bool keyEscaped;
      if (!skipString(keyEscaped) || keyEscaped)
      {
        return false;
      }
      const std::string name(keyBegin, p - 1);

      skipSpace();
      if (p == end || *p != ':')
      {
        return false;
      }
      ++p;
      skipSpace();
      if (p == end)
      {
        return false;
      }

      const char* valueBegin = p;
      if (*p == '"')
      {
        bool escaped;
        if (!skipString(escaped))
        {
          return false;
        }
        if (name == key)
        {
          if (found || escaped)
          {
            return false;  // duplicate, or escapes that only a real parser handles
          }
          found = true;
          target.valueBegin_ = valueBegin;   // on the opening quote
          target.valueEnd_ = p;              // past the closing quote
        }
      }
      else
      {
        // Nested values and scalars: skip to the next top-level ',' or '}'
        int depth = 0;
        while (p != end)
        {
          if (*p == '"')
          {
            bool escaped;
            if (!skipString(escaped))
            {
              return false;
            }
            continue;
          }
          if (*p == '{' || *p == '[')
          {
            depth++;
          }
          else if (*p == '}' || *p == ']')
          {
            if (depth == 0)
            {
              break;
            }
            depth--;
          }
          else if (*p == ',' && depth == 0)
          {
            break;
          }
          ++p;
        }
        if (name == key)
        {
          return false;  // not a string: let JsonCpp report the type error
        }
      }

      skipSpace();
      if (p == end)
      {
        return false;
      }
      if (*p == ',')
      {
        ++p;
        continue;
      }
      if (*p == '}')
      {
        break;
      }
      return false;
    }

    if (!found)
    {
      return false;
    }

    // The rest of the body, with the large value replaced by an empty string
    target.rest_.reserve((target.valueBegin_ - begin) + (end - target.valueEnd_) + 2);
    target.rest_.assign(begin, target.valueBegin_);
    target.rest_ += "\"\"";
    target.rest_.append(target.valueEnd_, end);
    return true;
  }


  ImportRequest ImportRequest::Parse(const void* body, size_t size, size_t maxNiftiBytes)
  {
    if (size == 0)
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The request body is empty; send a JSON object such as "
                            "{\"Nifti\": \"<base64 of the .nii.gz>\", \"ParentStudy\": \"<study ID>\"}");
    }

    // A base64 NIfTI is almost the whole body: JsonCpp would copy it once
    // more, so it is located and decoded in place when the body allows.
    const char* text = reinterpret_cast<const char*>(body);
    LargeStringMember nifti;
    const bool inPlace = LargeStringMember::Find(nifti, text, text + size, "Nifti");
    const char* parseBegin = inPlace ? nifti.GetRest().data() : text;
    const char* parseEnd = inPlace ? nifti.GetRest().data() + nifti.GetRest().size() : text + size;

    Json::Value root;
    {
      Json::CharReaderBuilder builder;
      builder["collectComments"] = false;
      builder["failIfExtra"] = true;
      builder["rejectDupKeys"] = true;
      std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
      std::string errors;
      if (!reader->parse(parseBegin, parseEnd, &root, &errors))
      {
        throw ConversionError(ErrorKind::InvalidInput, "The request body is not valid JSON: " + errors);
      }
    }

    if (!root.isObject())
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The request body must be a JSON object with the fields \"Nifti\" and \"ParentStudy\"");
    }

    ImportRequest request;

    for (const std::string& member : root.getMemberNames())
    {
      bool known = false;
      for (const char* field : KNOWN_FIELDS)
      {
        known = known || (member == field);
      }
      if (!known)
      {
        request.warnings.push_back("Unknown field \"" + member + "\" in the request was ignored");
      }
    }

    const Json::Value& parent = GetOptionalString(root, "ParentStudy");
    if (parent.isNull() || parent.asString().empty())
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The field \"ParentStudy\" is missing: give the Orthanc ID or the StudyInstanceUID "
                            "of the study the NIfTI was computed from");
    }
    request.parentStudy = parent.asString();

    request.seriesDescription = GetOptionalString(root, "SeriesDescription").asString();
    request.filename = GetOptionalString(root, "Filename").asString();

    const std::string modality = GetOptionalString(root, "Modality").asString();
    if (modality == "MR")
    {
      request.modality = OutputModality::MR;
    }
    else if (modality == "CT")
    {
      request.modality = OutputModality::CT;
    }
    else if (!modality.empty())
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The field \"Modality\" must be \"MR\" or \"CT\" (got \"" + modality + "\")");
    }

    request.tags = TagOverrides::Parse(root["Tags"]);
    request.tagsJson = root["Tags"];

    request.output = OutputRequest::Parse(root);
    request.outputJson = Json::Value(Json::objectValue);
    for (const char* field : { "Type", "Units", "Quantity", "DoublePrecision", "Labels", "UseNiftiDescription" })
    {
      if (root.isMember(field))
      {
        request.outputJson[field] = root[field];
      }
    }
    request.referenceSeries = GetOptionalString(root, "ReferenceSeries").asString();
    request.bval = GetOptionalString(root, "Bval").asString();
    request.bvec = GetOptionalString(root, "Bvec").asString();
    if (request.bval.empty() != request.bvec.empty())
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "\"Bval\" and \"Bvec\" go together: give both (the files' text, or their upload IDs)");
    }

    const Json::Value& sidecar = root["Sidecar"];
    if (sidecar.isString())
    {
      request.sidecarUpload = sidecar.asString();
    }
    else if (sidecar.isObject())
    {
      request.sidecar = sidecar;
    }
    else if (!sidecar.isNull())
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The field \"Sidecar\" must be the BIDS JSON object itself, or the ID of an upload holding it");
    }

    if (root.isMember("SendTo"))
    {
      request.hasSendTo = true;
      request.sendTo = SendTo::Parse(root["SendTo"], "The field \"SendTo\"");
    }

    for (const char* flag : { "Asynchronous", "Synchronous" })
    {
      if (root.isMember(flag) && !root[flag].isBool())
      {
        throw ConversionError(ErrorKind::InvalidInput, std::string("The field \"") + flag + "\" must be true or false");
      }
    }
    request.asynchronous = root.get("Asynchronous", false).asBool() ||
      (root.isMember("Synchronous") && !root["Synchronous"].asBool());
    if (root.isMember("Priority"))
    {
      if (!root["Priority"].isInt())
      {
        throw ConversionError(ErrorKind::InvalidInput, "The field \"Priority\" must be an integer");
      }
      request.priority = root["Priority"].asInt();
    }

    const Json::Value& niftiField = GetOptionalString(root, "Nifti");
    const Json::Value& uploadField = GetOptionalString(root, "Upload");
    const Json::Value& pathField = GetOptionalString(root, "Path");
    const int sources = (niftiField.isNull() ? 0 : 1) + (uploadField.isNull() ? 0 : 1) + (pathField.isNull() ? 0 : 1);
    if (sources != 1)
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            std::string(sources == 0 ? "The NIfTI file is missing" : "Several NIfTI files were given") +
                            ": give exactly one of \"Nifti\" (the base64 encoding of the .nii or .nii.gz file, e.g. the "
                            "output of \"base64 -w0 file.nii.gz\"), \"Upload\" (the ID answered by POST /nifti/uploads) "
                            "or \"Path\" (a file on the server, below an allowed directory)");
    }

    if (!uploadField.isNull())
    {
      request.source = NiftiSource::Upload;
      request.upload = uploadField.asString();
      return request;
    }
    if (!pathField.isNull())
    {
      request.source = NiftiSource::Path;
      request.path = pathField.asString();
      return request;
    }
    request.source = NiftiSource::Inline;

    const char* begin = nullptr;
    const char* end = nullptr;
    if (inPlace)
    {
      begin = nifti.GetValueBegin();
      end = nifti.GetValueEnd();
    }
    else
    {
      niftiField.getString(&begin, &end);  // no copy of the string
    }

    // Refuse early what cannot fit even allowing for line breaks in the
    // base64 text; the exact size is checked after decoding.
    const size_t encodedEstimate = static_cast<size_t>(end - begin) / 4 * 3;
    if (encodedEstimate > maxNiftiBytes + maxNiftiBytes / 32 + 3)
    {
      throw TooLargeUpload(encodedEstimate, maxNiftiBytes);
    }

    if (!Base64::Decode(request.nifti, begin, end))
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The field \"Nifti\" is not valid base64; encode the file with \"base64 -w0 file.nii.gz\"");
    }
    if (request.nifti.size() > maxNiftiBytes)
    {
      throw TooLargeUpload(request.nifti.size(), maxNiftiBytes);
    }
    if (request.nifti.empty())
    {
      throw ConversionError(ErrorKind::InvalidInput, "The field \"Nifti\" is empty: no NIfTI file was sent");
    }

    return request;
  }
}
