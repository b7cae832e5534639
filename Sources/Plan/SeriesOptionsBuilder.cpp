#include "Plan/SeriesOptionsBuilder.h"

#include "Common/ConversionError.h"
#include "Contours/ReferencePlanes.h"

#include <dcmtk/dcmdata/dcdeftag.h>

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace NiftiToDicom
{
  Modality SeriesOptionsBuilder::ChooseModality(OutputModality requested, const std::set<std::string>& parentModalities,
                                                const std::string& referenceModality)
  {
    switch (requested)
    {
      case OutputModality::CT:
        return Modality::CT;
      case OutputModality::MR:
        return Modality::MR;
      default:
        // The series the NIfTI was computed from says best what it shows
        if (referenceModality == "CT" || referenceModality == "MR")
        {
          return (referenceModality == "CT") ? Modality::CT : Modality::MR;
        }
        // Else what the study was acquired with: CT gets CT, anything else MR
        return (parentModalities.count("CT") > 0 && parentModalities.count("MR") == 0) ?
          Modality::CT : Modality::MR;
    }
  }


  SeriesOptionsBuilder::SeriesOptionsBuilder(const ImportRequest& request, const NiftiHeader& header,
                                             const ImportContext& context) :
    hasSeriesNumber_(false)
  {
    options_.modality = ChooseModality(request.modality, context.parentModalities,
                                       context.hasReference ? context.referenceModality : std::string());

    options_.sidecar = request.sidecar;
    if (!request.bval.empty())
    {
      options_.diffusion = std::make_shared<DiffusionTable>(
        DiffusionTable::Parse(request.bval, request.bvec, header.GetSize(4)));
      const std::vector<int64_t> residual = options_.diffusion->GetResidualVolumes();
      if (!residual.empty())
      {
        std::string list;
        for (int64_t t : residual)
        {
          list += (list.empty() ? "" : ", ") + std::to_string(t + 1);
        }
        warnings_.push_back("\"Bval\": volume(s) " + list + " have a residual b-value (at most 5 s/mm2) and no "
                            "gradient direction: written as b = 0 (DiffusionDirectionality NONE), since readers "
                            "take a non-zero b without direction for a trace image");
      }
    }

    options_.hasReference = context.hasReference;
    if (context.hasReference)
    {
      options_.reference = context.reference;
    }

    // After the modality: a classic series is an MR or a CT Image
    const std::vector<std::string> outputWarnings = request.output.ApplyTo(options_, header);
    warnings_.insert(warnings_.end(), outputWarnings.begin(), outputWarnings.end());
    if (options_.iod == IodType::RtStructureSet)
    {
      CheckStructureSet(header, context);
    }

    options_.seriesDescription = request.seriesDescription;
    options_.sourceFilename = request.filename;
    options_.seriesInstanceUid = context.seriesInstanceUid;
    options_.tags = request.tags;

    // A SeriesNumber given in "Tags" wins over a free one
    std::string requestedNumber;
    if (options_.tags.Lookup(requestedNumber, DCM_SeriesNumber))
    {
      hasSeriesNumber_ = true;
      // TagOverrides checked it is a whole number from 0 to INT32_MAX
      options_.seriesNumber = static_cast<int>(strtol(requestedNumber.c_str(), nullptr, 10));
      if (context.usedSeriesNumbers.count(options_.seriesNumber) > 0)
      {
        warnings_.push_back("SeriesNumber " + requestedNumber + " from \"Tags\" is already used by another "
                            "series of the study");
      }
    }
  }


  void SeriesOptionsBuilder::CheckStructureSet(const NiftiHeader& header, const ImportContext& context)
  {
    if (!context.hasReference)
    {
      throw ConversionError(ErrorKind::InvalidInput, OutputRequest::RTSTRUCT_NEEDS_REFERENCE);
    }
    if (header.GetSize(4) > 1)
    {
      throw ConversionError(ErrorKind::Unsupported,
                            "An RT Structure Set is made from a 3D label map; this NIfTI has " +
                            std::to_string(header.GetSize(4)) + " volumes");
    }

    // Before any voxel is read: a label map outside the reference's space is
    // refused here, and what its contours will not show is said once
    ReferencePlanes::Map(SeriesGeometry(header), context.reference, warnings_);
  }


  int SeriesOptionsBuilder::ChooseFreeSeriesNumber(const std::set<int>& used)
  {
    if (used.empty())
    {
      return 1;
    }
    const int highest = *used.rbegin();
    if (highest < std::numeric_limits<int>::max())
    {
      return std::max(1, highest + 1);
    }

    // A study cannot hold INT32_MAX series, so a gap exists
    int candidate = 1;
    for (std::set<int>::const_iterator it = used.lower_bound(1); it != used.end() && *it == candidate; ++it)
    {
      candidate++;
    }
    return candidate;
  }


  void SeriesOptionsBuilder::SetSeriesNumber(int seriesNumber)
  {
    options_.seriesNumber = seriesNumber;
    hasSeriesNumber_ = true;
  }
}
