#include "ImportRequest.h"

#include "ConversionError.h"

#include <json/reader.h>
#include <json/value.h>

#include <memory>

namespace NiftiToDicom
{
  namespace
  {
    const char* const KNOWN_FIELDS[] =
    {
      "Nifti", "ParentStudy", "SeriesDescription", "Modality", "Tags", "Filename"
    };

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
      return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MB";
    }

    ConversionError TooLargeUpload(size_t bytes, size_t maxNiftiBytes)
    {
      return ConversionError(ErrorKind::TooLarge,
                             "The NIfTI file (about " + MegabytesOf(bytes) + ") exceeds the maximum upload size of " +
                             MegabytesOf(maxNiftiBytes) + " (configuration option MaximumUploadSize); "
                             "raise the option or send a smaller file");
    }
  }


  size_t Base64::DecodedSizeBound(size_t encodedLength)
  {
    return encodedLength / 4 * 3 + 3;
  }


  bool Base64::Decode(std::string& target, const char* begin, const char* end)
  {
    target.clear();
    target.reserve(DecodedSizeBound(end - begin));

    uint32_t accumulator = 0;
    int count = 0;      // characters in the current quantum
    int padding = 0;

    for (const char* p = begin; p != end; ++p)
    {
      const char c = *p;
      if (IsWhitespace(c))
      {
        continue;
      }
      if (c == '=')
      {
        padding++;
        if (count + padding > 4 || count < 2)
        {
          return false;
        }
        continue;
      }
      if (padding > 0)
      {
        return false;  // data after padding
      }

      const int v = DecodeBase64Character(c);
      if (v < 0)
      {
        return false;
      }
      accumulator = (accumulator << 6) | static_cast<uint32_t>(v);
      count++;
      if (count == 4)
      {
        target.push_back(static_cast<char>((accumulator >> 16) & 0xff));
        target.push_back(static_cast<char>((accumulator >> 8) & 0xff));
        target.push_back(static_cast<char>(accumulator & 0xff));
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
      target.push_back(static_cast<char>((accumulator >> 4) & 0xff));
    }
    else if (count == 3)
    {
      target.push_back(static_cast<char>((accumulator >> 10) & 0xff));
      target.push_back(static_cast<char>((accumulator >> 2) & 0xff));
    }
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

    Json::Value root;
    {
      Json::CharReaderBuilder builder;
      builder["collectComments"] = false;
      builder["failIfExtra"] = true;
      builder["rejectDupKeys"] = true;
      std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
      std::string errors;
      const char* begin = reinterpret_cast<const char*>(body);
      if (!reader->parse(begin, begin + size, &root, &errors))
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

    const Json::Value& nifti = GetOptionalString(root, "Nifti");
    if (nifti.isNull())
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The field \"Nifti\" is missing: put the base64 encoding of the .nii or .nii.gz file "
                            "in it (e.g. the output of \"base64 -w0 file.nii.gz\")");
    }

    // Read the string in place: a copy of a large base64 payload is avoidable
    const char* begin = nullptr;
    const char* end = nullptr;
    nifti.getString(&begin, &end);

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
