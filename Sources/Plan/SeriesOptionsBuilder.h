#pragma once

#include "Nifti/NiftiHeader.h"
#include "Plan/SeriesOptions.h"
#include "Request/ImportRequest.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace NiftiToDicom
{
  // What the plugin adds to the request before the series is planned: facts
  // it looked up in Orthanc, and the SeriesInstanceUID a job chose when it
  // was submitted. A plain value, so that the choices below are testable
  // without Orthanc.
  struct ImportContext
  {
    std::set<std::string>  parentModalities;    // Modality of the parent study's series
    std::set<int>          usedSeriesNumbers;   // SeriesNumber of the parent study's series
    bool                   hasReference = false;
    ReferenceSeries        reference;           // "ReferenceSeries", as read in Orthanc
    std::string            referenceModality;   // its Modality
    std::string            seriesInstanceUid;   // empty: a new one
  };


  // Turns a checked request, the NIfTI header and the context into the
  // options of the new series, with the warnings about the request.
  class SeriesOptionsBuilder
  {
  private:
    SeriesOptions             options_;
    bool                      hasSeriesNumber_;
    std::vector<std::string>  warnings_;

    // An RT Structure Set: a reference series, a 3D label map in its space
    void CheckStructureSet(const NiftiHeader& header, const ImportContext& context);

  public:
    // Throws ConversionError(InvalidInput) when the request does not fit the
    // NIfTI (an output type its values cannot have, a bval/bvec of another
    // length)
    SeriesOptionsBuilder(const ImportRequest& request, const NiftiHeader& header, const ImportContext& context);

    // Whether "Tags" gives the SeriesNumber; if not, the caller reserves a
    // free one and gives it to SetSeriesNumber()
    bool HasSeriesNumber() const
    {
      return hasSeriesNumber_;
    }

    void SetSeriesNumber(int seriesNumber);

    const std::vector<std::string>& GetWarnings() const
    {
      return warnings_;
    }

    const SeriesOptions& GetOptions() const
    {
      return options_;
    }

    // Leaves the builder empty
    SeriesOptions TakeOptions()
    {
      return std::move(options_);
    }

    // The SeriesNumber of a new series of a study whose series have "used":
    // one more than the highest, at least 1; the smallest free number from 1
    // when the highest is INT32_MAX (IS is a 32-bit signed integer).
    static int ChooseFreeSeriesNumber(const std::set<int>& used);

    // "Modality": Auto follows the reference series if it is MR or CT, else
    // the parent study (CT only if it has CT and no MR series)
    static Modality ChooseModality(OutputModality requested, const std::set<std::string>& parentModalities,
                                   const std::string& referenceModality);
  };
}
