#include "Metadata/TagOverrides.h"

#include "Common/ConversionError.h"
#include "Metadata/ParentStudyTags.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dctag.h>

#include <cctype>
#include <cstdio>

namespace NiftiToDicom
{
  namespace
  {
    // Set by the converter from the NIfTI and the parent study
    const DcmTagKey COMPUTED_TAGS[] =
    {
      DCM_SpecificCharacterSet, DCM_SOPClassUID, DCM_SOPInstanceUID, DCM_SeriesInstanceUID, DCM_Modality,
      DCM_InstanceNumber, DCM_Rows, DCM_Columns, DCM_SamplesPerPixel, DCM_PhotometricInterpretation,
      DCM_BitsAllocated, DCM_BitsStored, DCM_HighBit, DCM_PixelRepresentation, DCM_PixelData,
      DCM_PixelSpacing, DCM_ImagePositionPatient, DCM_ImageOrientationPatient, DCM_RescaleSlope,
      DCM_RescaleIntercept, DCM_NumberOfFrames, DCM_TemporalPositionIdentifier,
      DCM_NumberOfTemporalPositions, DCM_SliceLocation
    };

    bool IsComputedTag(const DcmTagKey& tag)
    {
      for (const DcmTagKey& t : COMPUTED_TAGS)
      {
        if (t == tag)
        {
          return true;
        }
      }
      return false;
    }

    std::string JsonScalarToString(const std::string& key, const Json::Value& value)
    {
      switch (value.type())
      {
        case Json::stringValue:
          return value.asString();
        case Json::intValue:
          return std::to_string(value.asInt64());
        case Json::uintValue:
          return std::to_string(value.asUInt64());
        case Json::realValue:
        {
          char buffer[32];
          snprintf(buffer, sizeof(buffer), "%.10g", value.asDouble());
          return buffer;
        }
        default:
          throw ConversionError(ErrorKind::InvalidInput,
                                "\"Tags\": the value of \"" + key + "\" must be a string (or a number); "
                                "sequences and lists are not supported, use backslashes for multiple values");
      }
    }
  }


  DcmTagKey TagOverrides::ParseTagName(const std::string& name)
  {
    unsigned int group = 0, element = 0;
    char end = 0;
    if (name.size() == 9 && sscanf(name.c_str(), "%4x,%4x%c", &group, &element, &end) == 2)
    {
      return DcmTagKey(static_cast<Uint16>(group), static_cast<Uint16>(element));
    }

    // Only keywords go to DCMTK's lookup, which also reads malformed numeric
    // forms ("0008,103g" as (0008,0103), "0008,10" as (0008,0010))
    bool isKeyword = !name.empty() && isalpha(static_cast<unsigned char>(name[0]));
    for (char c : name)
    {
      isKeyword = isKeyword && isalnum(static_cast<unsigned char>(c));
    }

    DcmTag tag;
    if (isKeyword && DcmTag::findTagFromName(name.c_str(), tag).good())
    {
      return tag.getXTag();
    }

    throw ConversionError(ErrorKind::InvalidInput,
                          "\"Tags\": \"" + name + "\" is not a DICOM keyword nor a tag of the form \"0008,103e\"");
  }


  TagOverrides TagOverrides::Parse(const Json::Value& tags)
  {
    if (tags.isNull())
    {
      return TagOverrides();
    }
    if (!tags.isObject())
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "\"Tags\" must be a JSON object mapping DICOM keywords to values, "
                            "e.g. {\"SeriesNumber\": \"901\", \"ProtocolName\": \"FA map\"}");
    }

    TagOverrides result;
    for (const std::string& name : tags.getMemberNames())
    {
      const DcmTagKey key = ParseTagName(name);
      DcmTag tag(key);
      const std::string label = name + " (" + key.toString().c_str() + ")";

      if (key.getGroup() == 0x0002 || key.isPrivate() || tag.getEVR() == EVR_UNKNOWN)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "\"Tags\": " + label + " cannot be set: only public attributes of the data set are accepted");
      }
      if (tag.getEVR() == EVR_SQ)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "\"Tags\": " + label + " is a sequence; sequences cannot be set through \"Tags\"");
      }
      if (ParentStudyTags::IsPatientOrStudyTag(key))
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "\"Tags\": " + label + " belongs to the patient or the study, which are copied from "
                              "the parent study so that the new series stays in it; change it on the study instead");
      }
      if (IsComputedTag(key))
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "\"Tags\": " + label + " is computed from the NIfTI file and cannot be overridden" +
                              (key == DCM_Modality ? std::string(" (use the \"Modality\" field)") : std::string()));
      }

      result.values_.Set(key, JsonScalarToString(name, tags[name]), label);
    }

    return result;
  }
}
