#pragma once

#include "Plan/SeriesGeometry.h"
#include "Plan/SeriesPlan.h"

#include <string>
#include <vector>

namespace NiftiToDicomPlugin
{
  // The series a NIfTI was computed from ("ReferenceSeries"): its instances
  // to reference, and whether the new series may share its frame of
  // reference (only if the NIfTI is in that exam's scanner space and covers
  // the same region).
  class ReferenceSeriesLookup
  {
  public:
    // Throws ConversionError: UnknownResource for no such series,
    // InvalidInput for a series of another study
    static void Check(const std::string& seriesId, const std::string& parentStudyId);

    // "modality" receives the reference's Modality
    static NiftiToDicom::ReferenceSeries Read(std::string& modality, std::vector<std::string>& warnings,
                                              const std::string& seriesId,
                                              const NiftiToDicom::SeriesGeometry& geometry);
  };
}
