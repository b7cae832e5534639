#include "Metadata/LabelTable.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomValues.h"
#include "Metadata/FreeSurferLabels.h"

#include <cstdlib>

namespace NiftiToDicom
{
  namespace
  {
    const char* const INLINE = "JSON";

    ConversionError Invalid(const std::string& message)
    {
      return ConversionError(ErrorKind::InvalidInput, "\"Labels\": " + message);
    }


    // Code strings go into SH (CodeValue, CodingSchemeDesignator: 16
    // characters) and LO (CodeMeaning: 64): refused rather than cut, since a
    // cut code means another concept
    void CheckCodeString(const std::string& value, const std::string& what, size_t maxCharacters, const char* vr)
    {
      const std::string problem = (value.empty() ? std::string("is empty") :
                                   DicomValues::DescribeSingleValueProblem(value, maxCharacters, vr));
      if (!problem.empty())
      {
        throw Invalid(what + " " + problem);
      }
    }


    CodedConcept ParseCode(const Json::Value& entry, const char* field, const std::string& key)
    {
      const Json::Value& value = entry[field];
      const std::string what = std::string("the ") + field + " of " + key;
      if (!value.isObject() || !value["CodeValue"].isString() || !value["CodingSchemeDesignator"].isString() ||
          !value["CodeMeaning"].isString())
      {
        throw Invalid(what + " must be a code object {\"CodeValue\", \"CodingSchemeDesignator\", \"CodeMeaning\"}, "
                      "e.g. {\"CodeValue\": \"5366008\", \"CodingSchemeDesignator\": \"SCT\", "
                      "\"CodeMeaning\": \"Hippocampus\"}");
      }
      CodedConcept code;
      code.value = value["CodeValue"].asString();
      code.scheme = value["CodingSchemeDesignator"].asString();
      code.meaning = value["CodeMeaning"].asString();
      CheckCodeString(code.value, what + ": the CodeValue", 16, "SH");
      CheckCodeString(code.scheme, what + ": the CodingSchemeDesignator", 16, "SH");
      CheckCodeString(code.meaning, what + ": the CodeMeaning", 64, "LO");
      return code;
    }


    Json::Value CodeToJson(const CodedConcept& code)
    {
      Json::Value json(Json::objectValue);
      json["CodeValue"] = code.value;
      json["CodingSchemeDesignator"] = code.scheme;
      json["CodeMeaning"] = code.meaning;
      return json;
    }
  }


  bool LabelTable::IsUploadId(const std::string& value)
  {
    if (value.size() != 32)
    {
      return false;
    }
    for (char c : value)
    {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      {
        return false;
      }
    }
    return true;
  }


  LabelTable LabelTable::Parse(const Json::Value& labels)
  {
    if (labels.isObject())
    {
      return ParseObject(labels);
    }
    if (labels.isString())
    {
      const std::string text = labels.asString();
      if (text == "FreeSurfer")
      {
        return FreeSurferLabels::Get();
      }
      return ParseText(text);
    }
    throw Invalid("must be a JSON object mapping label values to {\"Name\", \"Color\": [r, g, b]}, \"FreeSurfer\", "
                  "the text of a label table (BIDS dseg.tsv, FreeSurfer or 3D Slicer colour table, ITK-SNAP label "
                  "description) or the ID of an upload holding one");
  }


  LabelTable LabelTable::ParseObject(const Json::Value& labels)
  {
    LabelTable table;
    table.format = INLINE;
    for (const std::string& key : labels.getMemberNames())
    {
      char* end = nullptr;
      const long value = strtol(key.c_str(), &end, 10);
      if (key.empty() || key.size() > 5 || *end != '\0' || value <= 0 || value > 65535)
      {
        throw Invalid("\"" + DicomValues::TruncateUtf8(key, 20) + "\" is not a label value (a whole number from "
                      "1 to 65535)");
      }

      const Json::Value& entry = labels[key];
      SegmentLabel label;
      if (!entry.isObject() || (entry.isMember("Name") && !entry["Name"].isString()))
      {
        throw Invalid("the entry of " + key + " must be an object such as {\"Name\": \"Tumour\", "
                      "\"Color\": [255, 0, 0]}");
      }
      label.name = entry.get("Name", "").asString();
      if (DicomValues::ToValidUtf8(label.name) != label.name)
      {
        throw Invalid("the Name of " + key + " is not valid UTF-8");
      }
      for (char c : label.name)
      {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F || c == '\\')
        {
          throw Invalid("the Name of " + key + " holds a backslash or a control character, which LO does not allow");
        }
      }
      label.name = DicomValues::TruncateUtf8(label.name, 64);   // a name names nothing else: cut, not refused

      if (entry.isMember("Color"))
      {
        const Json::Value& color = entry["Color"];
        if (!color.isArray() || color.size() != 3)
        {
          throw Invalid("the colour of " + key + " must be [r, g, b] with values 0 to 255");
        }
        for (Json::ArrayIndex c = 0; c < 3; c++)
        {
          if (!color[c].isInt() || color[c].asInt() < 0 || color[c].asInt() > 255)
          {
            throw Invalid("the colour of " + key + " must be [r, g, b] with values 0 to 255");
          }
          label.color[c] = static_cast<uint8_t>(color[c].asInt());
        }
        label.hasColor = true;
      }

      // A type means something only within its category (PS3.3 C.8.20.2)
      if (entry.isMember("Category") != entry.isMember("Type"))
      {
        throw Invalid("the label " + key + " gives a " + (entry.isMember("Type") ? "Type" : "Category") +
                      " without a " + (entry.isMember("Type") ? "Category" : "Type") + ": give both codes, e.g. "
                      "Category {\"CodeValue\": \"123037004\", \"CodingSchemeDesignator\": \"SCT\", "
                      "\"CodeMeaning\": \"Anatomical Structure\"}");
      }
      if (entry.isMember("Modifier") && !entry.isMember("Type"))
      {
        throw Invalid("the label " + key + " gives a Modifier without a Type and Category");
      }
      if (entry.isMember("Category"))
      {
        label.category = ParseCode(entry, "Category", key);
        label.type = ParseCode(entry, "Type", key);
      }
      if (entry.isMember("Modifier"))
      {
        label.typeModifier = ParseCode(entry, "Modifier", key);
      }

      table.labels[value] = label;
    }
    return table;
  }


  Json::Value LabelTable::ToJson() const
  {
    Json::Value json(Json::objectValue);
    json["Format"] = format;
    Json::Value list(Json::arrayValue);
    for (const auto& entry : labels)
    {
      Json::Value label(Json::objectValue);
      label["Index"] = static_cast<Json::Int64>(entry.first);
      label["Name"] = entry.second.name;
      if (entry.second.hasColor)
      {
        Json::Value color(Json::arrayValue);
        for (int c = 0; c < 3; c++)
        {
          color.append(entry.second.color[c]);
        }
        label["Color"] = color;
      }
      if (!entry.second.category.IsEmpty())
      {
        label["Category"] = CodeToJson(entry.second.category);
        label["Type"] = CodeToJson(entry.second.type);
      }
      if (!entry.second.typeModifier.IsEmpty())
      {
        label["Modifier"] = CodeToJson(entry.second.typeModifier);
      }
      list.append(label);
    }
    json["Labels"] = list;
    return json;
  }
}
