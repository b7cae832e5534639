#include "Request/OutputRequest.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomValues.h"
#include "Metadata/LabelTable.h"

#include <nifti2_io.h>

#include <cstdlib>

namespace NiftiToDicom
{
  namespace
  {
    // Code strings go into one-valued SH (CodeValue, CodingSchemeDesignator:
    // 16 characters) and LO (CodeMeaning: 64): refused rather than cut,
    // since a cut code means another concept (the codes of "Labels" are
    // checked by LabelTable)
    void CheckCodeString(const std::string& value, const std::string& what, size_t maxCharacters, const char* vr)
    {
      const std::string problem = DicomValues::DescribeSingleValueProblem(value, maxCharacters, vr);
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
      if (labels.isString() && LabelTable::IsUploadId(labels.asString()))
      {
        request.labelsUpload = labels.asString();
      }
      else
      {
        request.labels = LabelTable::Parse(labels).labels;
      }
    }

    if (root.isMember("SegmentationType"))
    {
      const std::string kind = root["SegmentationType"].isString() ? root["SegmentationType"].asString() : "";
      if (kind == "LabelMap")
      {
        request.segmentationKind = SegmentationKind::LabelMap;
      }
      else if (kind == "Masks")
      {
        request.segmentationKind = SegmentationKind::Masks;
      }
      else if (kind == "Fractional")
      {
        request.segmentationKind = SegmentationKind::Fractional;
      }
      else if (kind != "Auto")
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "\"SegmentationType\" must be \"LabelMap\" (a segment per value of a 3D label map), "
                              "\"Masks\" (a segment per volume of 0/1 masks, which may overlap), \"Fractional\" "
                              "(a segment per volume of probabilities from 0 to 1) or \"Auto\"");
      }
    }

    return request;
  }


  void OutputRequest::SetLabelText(const std::string& text)
  {
    labels = LabelTable::ParseText(text).labels;
    labelsUpload.clear();
  }


  std::vector<std::string> OutputRequest::ApplyTo(SeriesOptions& options, const NiftiHeader& header) const
  {
    std::vector<std::string> warnings;

    if (!labelsUpload.empty())
    {
      // The plugin reads the upload before the import (SetLabelText()): never named labels silently lost
      throw ConversionError(ErrorKind::Internal, "\"Labels\": the uploaded label table was not read");
    }

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
        // A segmentation type says what the NIfTI is, whatever its intent
        options.iod = (header.intentCode == NIFTI_INTENT_LABEL || segmentationKind != SegmentationKind::Auto) ?
          IodType::Segmentation : GetClassicImageIod(options.modality);
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
    options.segmentationKind = segmentationKind;

    if (options.iod != IodType::ParametricMap && (!units.IsEmpty() || !quantity.IsEmpty() || doublePrecision))
    {
      warnings.push_back("\"Units\", \"Quantity\" and \"DoublePrecision\" only apply to \"Type\": \"ParametricMap\" "
                         "and were ignored");
    }
    if (options.iod != IodType::Segmentation && options.iod != IodType::RtStructureSet && !labels.empty())
    {
      warnings.push_back("\"Labels\" only applies to \"Type\": \"Segmentation\" and \"RTStruct\" and was ignored");
    }

    if (options.iod != IodType::Segmentation && segmentationKind != SegmentationKind::Auto)
    {
      warnings.push_back("\"SegmentationType\" only applies to \"Type\": \"Segmentation\" and was ignored");
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
