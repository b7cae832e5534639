#pragma once

#include "Metadata/ParentStudyTags.h"

#include <set>
#include <string>

namespace NiftiToDicomPlugin
{
  // The study a NIfTI is imported into, as Orthanc knows it
  struct ParentStudy
  {
    std::string                         orthancId;
    std::set<std::string>               modalities;     // of its series
    std::set<int>                       seriesNumbers;  // in use
    NiftiToDicom::ParentStudyTags       tags;

    explicit ParentStudy(NiftiToDicom::ParentStudyTags&& t) :
      tags(std::move(t))
    {
    }
  };

  class ParentStudyLookup
  {
  public:
    // "reference" is an Orthanc study ID or a StudyInstanceUID.
    // Throws ConversionError(UnknownResource) when Orthanc has no such study.
    static ParentStudy Find(const std::string& reference);

    // Only the Orthanc ID of the study (same errors as Find)
    static std::string ResolveStudyId(const std::string& reference);

    // Re-reads the series numbers in use (they change as imports land)
    static std::set<int> ReadSeriesNumbers(const std::string& studyId);
  };
}
