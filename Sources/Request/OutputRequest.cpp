#include "Request/OutputRequest.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomValues.h"

#include <nifti2_io.h>

#include <cstdlib>

namespace NiftiToDicom
{
  namespace
  {
    // Code strings go into one-valued SH (CodeValue, CodingSchemeDesignator:
    // 16 characters) and LO (CodeMeaning, a segment's label: 64): refused
    // rather than cut, since a cut code means another concept (a label's
    // name, which names nothing else, is cut: maxCharacters 0)
    void CheckCodeString(const std::string& value, const std::string& what, size_t maxCharacters, const char* vr)
    {
      std::string problem;
      if (DicomValues::ToValidUtf8(value) != value)
      {
        problem = "is not valid UTF-8";
      }
      else if (maxCharacters > 0 && DicomValues::TruncateUtf8(value, maxCharacters) != value)
      {
        problem = "is longer than the " + std::to_string(maxCharacters) + " characters of its VR (" + vr + ")";
      }
      else
      {
        for (char c : value)
        {
          if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F || c == '\\')
          {
            problem = "holds a backslash or a control character, which " + std::string(vr) + " does not allow";
            break;
          }
        }
      }
      if (!problem.empty())
      {
        throw ConversionError(ErrorKind::InvalidInput, what + " " + problem);
      }
    }


    void CheckCode(const CodedConcept& code, const char* field)
    {
      const std::string prefix = std::string("\"") + field + "\": ";
      CheckCodeString(code.value, prefix + "the CodeValue", 16, "SH");
      CheckCodeString(code.scheme, prefix + "the CodingSchemeDesignator", 16, "SH");
      CheckCodeString(code.meaning, prefix + "the CodeMeaning", 64, "LO");
    }


    CodedConcept ParseCode(const Json::Value& value, const char* field)
    {
      CodedConcept code;
      if (value.isObject() && value["CodeValue"].isString() && value["CodingSchemeDesignator"].isString() &&
          value["CodeMeaning"].isString())
      {
        code.value = value["CodeValue"].asString();
        code.scheme = value["CodingSchemeDesignator"].asString();
        code.meaning = value["CodeMeaning"].asString();
        CheckCode(code, field);
        return code;
      }
      throw ConversionError(ErrorKind::InvalidInput,
                            std::string("\"") + field + "\" must be a code object {\"CodeValue\", "
                            "\"CodingSchemeDesignator\", \"CodeMeaning\"}" +
                            (std::string(field) == "Quantity" ? " or one of \"FA\", \"ADC\"" : ""));
    }
  }


  const char* const OutputRequest::RTSTRUCT_NEEDS_REFERENCE =
    "\"Type\": \"RTStruct\" needs \"ReferenceSeries\": the Orthanc ID of the series the label map was drawn on, "
    "whose images and frame of reference the structure set's contours lie on";


  OutputRequest OutputRequest::Parse(const Json::Value& root)
  {
    OutputRequest request;

    if (root.isMember("Type"))
    {
      const std::string type = root["Type"].isString() ? root["Type"].asString() : "";
      if (type == "Classic")
      {
        request.type = Type::Classic;
      }
      else if (type == "ParametricMap")
      {
        request.type = Type::ParametricMap;
      }
      else if (type == "Segmentation")
      {
        request.type = Type::Segmentation;
      }
      else if (type == "EnhancedMR")
      {
        request.type = Type::EnhancedMR;
      }
      else if (type == "SecondaryCapture")
      {
        request.type = Type::SecondaryCapture;
      }
      else if (type == "RTStruct")
      {
        request.type = Type::RTStruct;
      }
      else if (type != "Auto")
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "\"Type\" must be \"Classic\", \"EnhancedMR\", \"ParametricMap\", \"Segmentation\", "
                              "\"RTStruct\" (with \"ReferenceSeries\"), \"SecondaryCapture\" (colour only) or "
                              "\"Auto\"");
      }
    }

    if (root.isMember("DoublePrecision"))
    {
      if (!root["DoublePrecision"].isBool())
      {
        throw ConversionError(ErrorKind::InvalidInput, "\"DoublePrecision\" must be true or false");
      }
      request.doublePrecision = root["DoublePrecision"].asBool();
    }

    if (root.isMember("UseNiftiDescription"))
    {
      if (!root["UseNiftiDescription"].isBool())
      {
        throw ConversionError(ErrorKind::InvalidInput, "\"UseNiftiDescription\" must be true or false");
      }
      request.useNiftiDescription = root["UseNiftiDescription"].asBool();
    }

    if (root.isMember("Units"))
    {
      const Json::Value& units = root["Units"];
      if (units.isString() && !units.asString().empty())
      {
        request.units.value = units.asString();
        request.units.scheme = "UCUM";
        request.units.meaning = units.asString();
        CheckCode(request.units, "Units");
      }
      else
      {
        request.units = ParseCode(units, "Units");
      }
    }

    if (root.isMember("Quantity"))
    {
      const Json::Value& quantity = root["Quantity"];
      if (quantity.isString() && quantity.asString() == "FA")
      {
        request.quantity = { "110808", "DCM", "Fractional Anisotropy" };
      }
      else if (quantity.isString() && quantity.asString() == "ADC")
      {
        request.quantity = { "113041", "DCM", "Apparent Diffusion Coefficient" };
      }
      else
      {
        request.quantity = ParseCode(quantity, "Quantity");
      }
    }

    if (root.isMember("Labels"))
    {
      const Json::Value& labels = root["Labels"];
      if (!labels.isObject())
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "\"Labels\" must map label values to {\"Name\", \"Color\": [r, g, b]}, "
                              "e.g. {\"1\": {\"Name\": \"Tumour\", \"Color\": [255, 0, 0]}}");
      }
      for (const std::string& key : labels.getMemberNames())
      {
        char* end = nullptr;
        const long value = strtol(key.c_str(), &end, 10);
        if (key.empty() || *end != '\0' || value <= 0 || value > 65535)
        {
          throw ConversionError(ErrorKind::InvalidInput,
                                "\"Labels\": \"" + key + "\" is not a label value (a whole number from 1 to 65535)");
        }

        const Json::Value& entry = labels[key];
        SegmentLabel label;
        if (!entry.isObject() || (entry.isMember("Name") && !entry["Name"].isString()))
        {
          throw ConversionError(ErrorKind::InvalidInput,
                                "\"Labels\": the entry of " + key + " must be an object such as "
                                "{\"Name\": \"Tumour\", \"Color\": [255, 0, 0]}");
        }
        label.name = entry.get("Name", "").asString();
        CheckCodeString(label.name, "\"Labels\": the Name of " + key, 0 /* cut to 64 */, "LO");
        if (entry.isMember("Color"))
        {
          const Json::Value& color = entry["Color"];
          if (!color.isArray() || color.size() != 3)
          {
            throw ConversionError(ErrorKind::InvalidInput,
                                  "\"Labels\": the colour of " + key + " must be [r, g, b] with values 0 to 255");
          }
          for (Json::ArrayIndex c = 0; c < 3; c++)
          {
            if (!color[c].isInt() || color[c].asInt() < 0 || color[c].asInt() > 255)
            {
              throw ConversionError(ErrorKind::InvalidInput,
                                    "\"Labels\": the colour of " + key + " must be [r, g, b] with values 0 to 255");
            }
            label.color[c] = static_cast<uint8_t>(color[c].asInt());
          }
          label.hasColor = true;
        }
        request.labels[value] = label;
      }
    }

    return request;
  }


  std::vector<std::string> OutputRequest::ApplyTo(SeriesOptions& options, const NiftiHeader& header) const
  {
    std::vector<std::string> warnings;

    switch (type)
    {
      case Type::Classic:
        options.iod = GetClassicImageIod(options.modality);
        break;
      case Type::ParametricMap:
        options.iod = IodType::ParametricMap;
        break;
      case Type::Segmentation:
        options.iod = IodType::Segmentation;
        break;
      case Type::EnhancedMR:
        options.iod = IodType::EnhancedMrImage;
        break;
      case Type::RTStruct:
        options.iod = IodType::RtStructureSet;
        break;
      default:
        options.iod = (header.intentCode == NIFTI_INTENT_LABEL) ? IodType::Segmentation : GetClassicImageIod(options.modality);
        break;
    }

    if (header.datatype == NIFTI_TYPE_RGB24)
    {
      if (options.iod == IodType::ParametricMap || options.iod == IodType::Segmentation ||
          options.iod == IodType::RtStructureSet)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "This NIfTI holds RGB colours, which cannot be a Parametric Map, a Segmentation or an "
                              "RT Structure Set: "
                              "leave \"Type\" out to store it as an Enhanced MR Color image");
      }
      options.iod = (type == Type::SecondaryCapture) ? IodType::TrueColorSecondaryCapture : IodType::EnhancedMrColorImage;
      if (type == Type::SecondaryCapture)
      {
        warnings.push_back("A Secondary Capture keeps the colours but not the position of the images in the patient "
                           "(only slice locations): it cannot be registered with the parent study's images");
      }
    }
    else if (type == Type::SecondaryCapture)
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "\"Type\": \"SecondaryCapture\" is for RGB colour volumes; this NIfTI holds " +
                            std::string(header.GetDatatypeName()) + " values");
    }

    options.doublePrecision = doublePrecision;
    options.useNiftiDescription = useNiftiDescription;
    options.units = units;
    options.quantity = quantity;
    options.labels = labels;

    if (options.iod != IodType::ParametricMap && (!units.IsEmpty() || !quantity.IsEmpty() || doublePrecision))
    {
      warnings.push_back("\"Units\", \"Quantity\" and \"DoublePrecision\" only apply to \"Type\": \"ParametricMap\" "
                         "and were ignored");
    }
    if (options.iod != IodType::Segmentation && options.iod != IodType::RtStructureSet && !labels.empty())
    {
      warnings.push_back("\"Labels\" only applies to \"Type\": \"Segmentation\" and \"RTStruct\" and was ignored");
    }

    if (options.iod == IodType::ParametricMap && !doublePrecision &&
        (header.datatype == NIFTI_TYPE_FLOAT64 || header.datatype == NIFTI_TYPE_INT32 ||
         header.datatype == NIFTI_TYPE_UINT32 || header.datatype == NIFTI_TYPE_INT64 ||
         header.datatype == NIFTI_TYPE_UINT64))
    {
      warnings.push_back(std::string("The ") + header.GetDatatypeName() + " values were stored as float32, which "
                         "may round them; add \"DoublePrecision\": true to keep them exactly");
    }
    return warnings;
  }
}
