#include "Request/ImportRequest.h"

#include "Common/ClientJson.h"
#include "Common/ConversionError.h"
#include "Request/Base64.h"
#include "Request/LargeStringMember.h"

#include <json/value.h>
#include <json/writer.h>

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
      "DoublePrecision", "Labels", "ReferenceSeries", "Bval", "Bvec", "UseNiftiDescription",
      "SegmentationType", "KeepSidecar"
    };

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

    const char* SourceName(NiftiSource source)
    {
      switch (source)
      {
        case NiftiSource::Upload: return "Upload";
        case NiftiSource::Path:   return "Path";
        default:                  return "Inline";
      }
    }

    const char* ModalityName(OutputModality modality)
    {
      switch (modality)
      {
        case OutputModality::MR: return "MR";
        case OutputModality::CT: return "CT";
        default:                 return "";
      }
    }

    ConversionError TooLargeUpload(size_t bytes, size_t maxNiftiBytes)
    {
      return ConversionError(ErrorKind::TooLarge,
                             "The NIfTI file (about " + MegabytesOf(bytes) + ") exceeds the maximum upload size of " +
                             MegabytesOf(maxNiftiBytes) + " (configuration option MaximumUploadSize); "
                             "raise the option or send a smaller file");
    }
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
    std::string error;
    if (!ClientJson::Parse(root, error, parseBegin, parseEnd, "The request body"))
    {
      throw ConversionError(ErrorKind::InvalidInput, error);
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
    for (const char* field : { "Type", "Units", "Quantity", "DoublePrecision", "Labels", "UseNiftiDescription",
                              "SegmentationType" })
    {
      if (root.isMember(field))
      {
        request.outputJson[field] = root[field];
      }
    }
    request.referenceSeries = GetOptionalString(root, "ReferenceSeries").asString();
    if (request.output.type == OutputRequest::Type::RTStruct && request.referenceSeries.empty())
    {
      throw ConversionError(ErrorKind::InvalidInput, OutputRequest::RTSTRUCT_NEEDS_REFERENCE);
    }
    request.bval = GetOptionalString(root, "Bval").asString();
    request.bvec = GetOptionalString(root, "Bvec").asString();
    if (request.bval.empty() != request.bvec.empty())
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "\"Bval\" and \"Bvec\" go together: give both (the files' text, or their upload IDs)");
    }

    if (root.isMember("KeepSidecar"))
    {
      if (!root["KeepSidecar"].isBool())
      {
        throw ConversionError(ErrorKind::InvalidInput, "The field \"KeepSidecar\" must be true or false");
      }
      request.keepSidecar = root["KeepSidecar"].asBool();
    }

    const Json::Value& sidecar = root["Sidecar"];
    if (sidecar.isString())
    {
      request.sidecarUpload = sidecar.asString();
    }
    else if (sidecar.isObject())
    {
      // The parser records where each value lies in the text it read
      const ptrdiff_t start = sidecar.getOffsetStart();
      const ptrdiff_t limit = sidecar.getOffsetLimit();
      const bool located = (start >= 0 && limit > start && limit <= parseEnd - parseBegin &&
                            parseBegin[start] == '{' && parseBegin[limit - 1] == '}');
      request.SetSidecar(sidecar, located ? std::string(parseBegin + start, parseBegin + limit) : std::string());
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


  void ImportRequest::SetSidecar(const Json::Value& sidecar, const std::string& text)
  {
    this->sidecar = BidsSidecar::Parse(sidecar);
    sidecarJson = sidecar;
    sidecarText = text;
    if (sidecarText.empty() && sidecar.isObject())
    {
      Json::StreamWriterBuilder builder;
      builder["indentation"] = "\t";
      sidecarText = Json::writeString(builder, sidecar);
    }
    if (keepSidecar && sidecar.isObject())
    {
      this->sidecar.SetVerbatim(sidecarText);
    }
  }


  void ImportRequest::ApplyKeepSidecarOption(bool configured)
  {
    keepSidecar = keepSidecar && configured;
    if (!keepSidecar)
    {
      sidecar.DropVerbatim();
    }
  }


  Json::Value ImportRequest::ToJson() const
  {
    Json::Value json(Json::objectValue);
    json["Source"] = SourceName(source);
    json["Upload"] = upload;
    json["Path"] = path;
    json["ParentStudy"] = parentStudy;
    json["SeriesDescription"] = seriesDescription;
    json["Filename"] = filename;
    json["Modality"] = ModalityName(modality);
    json["Tags"] = tagsJson;
    json["Sidecar"] = sidecarJson;
    json["SidecarText"] = sidecarText;
    json["KeepSidecar"] = keepSidecar;
    json["SendTo"] = sendTo.ToJson();
    json["Output"] = outputJson;
    json["ReferenceSeries"] = referenceSeries;
    json["Bval"] = bval;
    json["Bvec"] = bvec;
    return json;
  }


  ImportRequest ImportRequest::FromJson(const Json::Value& json)
  {
    if (!json.isObject())
    {
      throw ConversionError(ErrorKind::InvalidInput, "The saved import is not a JSON object");
    }

    ImportRequest request;
    const std::string source = json["Source"].asString();
    request.source = (source == "Upload") ? NiftiSource::Upload :
      (source == "Path") ? NiftiSource::Path : NiftiSource::Inline;
    request.upload = json["Upload"].asString();
    request.path = json["Path"].asString();
    request.parentStudy = json["ParentStudy"].asString();
    request.seriesDescription = json["SeriesDescription"].asString();
    request.filename = json["Filename"].asString();
    const std::string modality = json["Modality"].asString();
    request.modality = (modality == "MR") ? OutputModality::MR :
      (modality == "CT") ? OutputModality::CT : OutputModality::Auto;
    request.tagsJson = json["Tags"];
    request.tags = TagOverrides::Parse(request.tagsJson);
    // Saved by earlier versions: no "KeepSidecar" (kept), no "SidecarText"
    request.keepSidecar = !json["KeepSidecar"].isBool() || json["KeepSidecar"].asBool();
    request.SetSidecar(json["Sidecar"], json["SidecarText"].asString());
    request.hasSendTo = true;
    request.sendTo = SendTo::Parse(json["SendTo"], "SendTo");
    request.outputJson = json["Output"].isNull() ? Json::Value(Json::objectValue) : json["Output"];
    request.output = OutputRequest::Parse(request.outputJson);
    request.referenceSeries = json["ReferenceSeries"].asString();
    request.bval = json["Bval"].asString();
    request.bvec = json["Bvec"].asString();
    return request;
  }
}
