#pragma once

#include "Nifti/NiftiHeader.h"
#include "Plan/SeriesOptions.h"

#include <json/value.h>

namespace NiftiToDicom
{
  // How the values should be stored, as the request says ("Type", "Units",
  // "Quantity", "DoublePrecision", "Labels", "SegmentationType"). Kept as
  // JSON in saved jobs.
  struct OutputRequest
  {
    enum class Type
    {
      Auto,            // Segmentation for a NIfTI label map (intent 1002), else Classic
      Classic,
      ParametricMap,
      Segmentation,
      EnhancedMR,
      SecondaryCapture,
      RTStruct         // an RT Structure Set; needs "ReferenceSeries"
    };

    Type                             type = Type::Auto;
    bool                             doublePrecision = false;
    bool                             useNiftiDescription = false;
    CodedConcept                     units;
    CodedConcept                     quantity;
    std::map<int64_t, SegmentLabel>  labels;
    std::string                      labelsUpload;   // "Labels" named an upload: the plugin reads it, SetLabelText()
    SegmentationKind                 segmentationKind = SegmentationKind::Auto;   // "SegmentationType"

    // The refusal of "Type": "RTStruct" without "ReferenceSeries"
    static const char* const RTSTRUCT_NEEDS_REFERENCE;

    // Reads the fields of the request body; throws ConversionError(InvalidInput)
    static OutputRequest Parse(const Json::Value& root);

    // "Labels" given as the ID of an upload: the table's text, once read
    void SetLabelText(const std::string& text);

    // Fills the matching SeriesOptions for this NIfTI; returns the warnings
    // about fields that do not apply to the chosen type
    std::vector<std::string> ApplyTo(SeriesOptions& options, const NiftiHeader& header) const;
  };
}
