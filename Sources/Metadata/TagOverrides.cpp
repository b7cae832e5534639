#include "Metadata/TagOverrides.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomValues.h"
#include "Metadata/ParentStudyTags.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdicent.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dctag.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstdio>

namespace NiftiToDicom
{
  namespace
  {
    // Set by the converter from the NIfTI file (Image Plane, Frame of
    // Reference, multi-frame and temporal position, image and frame type,
    // Segmentation description) and by the SOP Common module. Group 0028
    // (Image Pixel: pixel description, spacing, rescale, windows), the
    // pixel data groups, UIDs and group lengths are refused as a whole by
    // RefusalReason().
    const DcmTagKey COMPUTED_TAGS[] =
    {
      DCM_SpecificCharacterSet, DCM_Modality, DCM_InstanceNumber, DCM_ImageType,
      DCM_ImagePositionPatient, DCM_ImageOrientationPatient, DCM_PatientOrientation, DCM_SliceThickness,
      DCM_SpacingBetweenSlices, DCM_SliceLocation, DCM_SliceLocationVector, DCM_PositionReferenceIndicator,
      DCM_TemporalPositionIdentifier, DCM_NumberOfTemporalPositions, DCM_TemporalPositionIndex,
      DCM_InStackPositionNumber, DCM_StackID, DCM_DimensionIndexValues, DCM_DimensionOrganizationType,
      DCM_FrameType, DCM_PixelPresentation, DCM_VolumetricProperties, DCM_VolumeBasedCalculationTechnique,
      DCM_ComplexImageComponent, DCM_AcquisitionContrast, DCM_SegmentationType,
      DCM_SegmentationFractionalType, DCM_MaximumFractionalValue
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


    bool IsBinaryVr(DcmEVR vr)
    {
      switch (vr)
      {
        case EVR_OB: case EVR_OW: case EVR_OF: case EVR_OD: case EVR_OL: case EVR_OV:
        case EVR_ox: case EVR_px: case EVR_xs: case EVR_lt: case EVR_UN: case EVR_na:
        case EVR_up: case EVR_item: case EVR_metainfo: case EVR_dataset: case EVR_fileFormat:
        case EVR_dicomDir: case EVR_dirRecord: case EVR_pixelSQ: case EVR_pixelItem:
          return true;
        default:
          return false;
      }
    }


    // Why "tag" cannot be set through "Tags", or an empty string
    std::string RefusalReason(const DcmTagKey& key)
    {
      const DcmTag tag(key);
      const Uint16 group = key.getGroup();

      if (group < 0x0008 || key.isPrivate() || tag.getEVR() == EVR_UNKNOWN)
      {
        return "cannot be set: only public attributes of the data set are accepted (no command, file meta "
          "information or private attributes)";
      }
      if (key.getElement() == 0x0000)
      {
        return "is a group length, which DICOM writers compute (and no longer write)";
      }
      if (tag.getEVR() == EVR_SQ)
      {
        return "is a sequence; sequences cannot be set through \"Tags\"";
      }
      if (ParentStudyTags::IsPatientOrStudyTag(key))
      {
        return "belongs to the patient or the study, which are copied from the parent study so that the new "
          "series stays in it; change it on the study instead";
      }
      if (group == 0x0028 || group == 0x7FE0 || (group >= 0x6000 && group <= 0x60FF) || IsBinaryVr(tag.getEVR()))
      {
        return "describes or holds the pixel data (Image Pixel module, rescale, window, overlays), which are "
          "computed from the NIfTI file and cannot be overridden";
      }
      if (tag.getEVR() == EVR_UI)
      {
        return "is a UID: the UIDs of the series, its instances and its frame of reference are computed by the "
          "plugin, those of the study copied from it; they cannot be overridden";
      }
      if (IsComputedTag(key))
      {
        return std::string("is computed from the NIfTI file and cannot be overridden") +
          (key == DCM_Modality ? " (use the \"Modality\" field)" : "");
      }
      return std::string();
    }


    // The dictionary's maximum number of values of "tag", 0 for "any"
    unsigned long GetMaximumMultiplicity(const DcmTagKey& tag)
    {
      const DcmDataDictionary& dictionary = dcmDataDict.rdlock();
      const DcmDictEntry* entry = dictionary.findEntry(tag, nullptr);
      const int vmMax = (entry == nullptr ? DcmVariableVM : entry->getVMMax());
      dcmDataDict.rdunlock();
      return (vmMax == DcmVariableVM || vmMax <= 0) ? 0 : static_cast<unsigned long>(vmMax);
    }


    // PS3.5 6.2: only ST, LT and UT may hold control characters (CR, LF,
    // FF and TAB); ESC is not needed under ISO_IR 192
    std::string CheckCharacters(const DcmTagKey& key, const std::string& value)
    {
      const DcmEVR vr = DcmTag(key).getEVR();
      const bool isText = (vr == EVR_ST || vr == EVR_LT || vr == EVR_UT);
      for (char c : value)
      {
        const unsigned char u = static_cast<unsigned char>(c);
        if ((u < 0x20 || u == 0x7F) && !(isText && (c == '\r' || c == '\n' || c == '\f' || c == '\t')))
        {
          return "it holds a control character (such as a newline or a tab), which " +
            std::string(DcmVR(vr).getVRName()) + " does not allow";
        }
      }

      const unsigned long maxValues = GetMaximumMultiplicity(key);
      if (!isText && vr != EVR_UC && vr != EVR_UR && maxValues > 0 &&
          static_cast<unsigned long>(std::count(value.begin(), value.end(), '\\')) + 1 > maxValues)
      {
        return "this attribute holds at most " + std::to_string(maxValues) + " value" + (maxValues > 1 ? "s" : "") +
          " and a backslash separates values";
      }

      if (key == DCM_SeriesNumber)
      {
        // IS is a 32-bit signed integer; a negative series number means nothing
        char* end = nullptr;
        errno = 0;
        const long long number = strtoll(value.c_str(), &end, 10);
        if (errno != 0 || number < 0 || number > 2147483647LL)
        {
          return "a series number is a whole number from 0 to 2147483647";
        }
      }
      return std::string();
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

      const std::string refusal = RefusalReason(key);
      if (!refusal.empty())
      {
        throw ConversionError(ErrorKind::InvalidInput, "\"Tags\": " + label + " " + refusal);
      }

      const std::string value = JsonScalarToString(name, tags[name]);
      const std::string problem = CheckCharacters(key, value);
      if (!problem.empty())
      {
        throw ConversionError(ErrorKind::InvalidInput, "\"Tags\": \"" + DicomValues::TruncateUtf8(value, 64) +
                              "\" is not a valid value for " + label + ": " + problem);
      }

      result.values_.Set(key, value, label);
    }

    return result;
  }
}
