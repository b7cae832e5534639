#include "Orthanc/ParentStudyLookup.h"

#include "Orthanc/RestHelpers.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomUid.h"

#include <cstdint>
#include <cstdlib>

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;

  namespace
  {
    // Orthanc IDs are SHA-1 digests written as 5 groups of 8 hexadecimal digits
    bool LooksLikeOrthancId(const std::string& s)
    {
      if (s.size() != 44)
      {
        return false;
      }
      for (size_t i = 0; i < s.size(); i++)
      {
        const bool dash = (i % 9 == 8);
        if (dash != (s[i] == '-') || (!dash && !isxdigit(static_cast<unsigned char>(s[i]))))
        {
          return false;
        }
      }
      return true;
    }

    ConversionError UnknownStudy(const std::string& reference)
    {
      return ConversionError(ErrorKind::UnknownResource,
                             "No study \"" + reference + "\" in Orthanc: \"ParentStudy\" must be the Orthanc ID "
                             "(as in /studies/<id>) or the StudyInstanceUID of a study stored in this Orthanc; "
                             "upload the parent study first");
    }

    std::string ResolveId(const std::string& reference)
    {
      if (LooksLikeOrthancId(reference))
      {
        Json::Value study;
        if (RestHelpers::GetJson(study, "/studies/" + reference))
        {
          return reference;
        }
        throw UnknownStudy(reference);
      }

      if (!NiftiToDicom::DicomUid::IsValid(reference))
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "\"ParentStudy\" is neither an Orthanc study ID nor a valid StudyInstanceUID: \"" +
                              reference + "\"");
      }

      std::string study;
      if (RestHelpers::LookupUid(study, reference, "Study"))
      {
        return study;
      }
      throw UnknownStudy(reference);
    }

    struct StudySeries
    {
      std::set<int>          numbers;
      std::set<std::string>  modalities;     // of the series not made by a plugin
      std::string            firstInstance;  // preferably of a series not made by a plugin
    };

    // Series that a plugin stored (this one's earlier imports, typically)
    // say nothing of what the study was acquired with.
    bool IsStoredByPlugin(const std::string& instanceId)
    {
      std::string origin;
      return RestHelpers::GetString(origin, "/instances/" + instanceId + "/metadata/Origin") && origin == "Plugins";
    }

    StudySeries ReadSeries(const std::string& studyId, bool inspectOrigins)
    {
      Json::Value series;
      if (!RestHelpers::GetJson(series, "/studies/" + studyId + "/series"))
      {
        throw UnknownStudy(studyId);  // deleted in the meantime
      }

      StudySeries result;
      std::string pluginInstance;
      for (const Json::Value& s : series)
      {
        const Json::Value& tags = s["MainDicomTags"];
        if (tags.isMember("SeriesNumber"))
        {
          const std::string number = tags["SeriesNumber"].asString();
          char* end = nullptr;
          const long value = strtol(number.c_str(), &end, 10);
          // IS is a 32-bit signed integer: a number of another series outside
          // it cannot collide with one this plugin writes, and must not wrap
          if (end != number.c_str() && value >= INT32_MIN && value <= INT32_MAX)
          {
            result.numbers.insert(static_cast<int>(value));
          }
        }

        if (!inspectOrigins || !s["Instances"].isArray() || s["Instances"].size() == 0)
        {
          continue;
        }

        const std::string instance = s["Instances"][0].asString();
        if (IsStoredByPlugin(instance))
        {
          pluginInstance = instance;
          continue;
        }

        if (tags.isMember("Modality"))
        {
          result.modalities.insert(tags["Modality"].asString());
        }
        if (result.firstInstance.empty())
        {
          result.firstInstance = instance;
        }
      }

      if (result.firstInstance.empty())
      {
        result.firstInstance = pluginInstance;
      }
      return result;
    }
  }


  ParentStudy ParentStudyLookup::Find(const std::string& reference)
  {
    const std::string studyId = ResolveId(reference);
    StudySeries series = ReadSeries(studyId, true);

    std::string dicom;
    if (series.firstInstance.empty() ||
        !RestHelpers::GetDicomForInstance(dicom, series.firstInstance))
    {
      throw UnknownStudy(reference);
    }

    ParentStudy parent(NiftiToDicom::ParentStudyTags::FromDicomFile(dicom.data(), dicom.size()));
    parent.orthancId = studyId;
    parent.seriesNumbers.swap(series.numbers);
    parent.modalities.swap(series.modalities);
    return parent;
  }


  std::string ParentStudyLookup::ResolveStudyId(const std::string& reference)
  {
    return ResolveId(reference);
  }


  std::set<int> ParentStudyLookup::ReadSeriesNumbers(const std::string& studyId)
  {
    return ReadSeries(studyId, false).numbers;
  }
}
