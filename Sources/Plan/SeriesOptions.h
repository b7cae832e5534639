#pragma once

#include "Metadata/BidsSidecar.h"
#include "Metadata/DiffusionTable.h"
#include "Metadata/TagOverrides.h"
#include "Plan/IodType.h"
#include "Plan/SeriesLimits.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace NiftiToDicom
{
  // A code of a controlled terminology (PS3.3 Code Sequence Macro)
  struct CodedConcept
  {
    std::string value;
    std::string scheme;
    std::string meaning;

    bool IsEmpty() const
    {
      return value.empty();
    }
  };

  struct SegmentLabel
  {
    std::string  name;
    bool         hasColor = false;
    uint8_t      color[3] = { 0, 0, 0 };   // sRGB

    // What the segment shows, as codes (PS3.3 C.8.20.2 Segment Description
    // macro): empty category and type mean "Tissue", all a label map says
    CodedConcept category;       // SegmentedPropertyCategoryCodeSequence
    CodedConcept type;           // SegmentedPropertyTypeCodeSequence
    CodedConcept typeModifier;   // e.g. the laterality of a paired structure; empty: none
  };

  // How a Segmentation reads the NIfTI
  enum class SegmentationKind
  {
    Auto,         // LabelMap: what a Segmentation always was
    LabelMap,     // whole numbers, a segment per value (BINARY)
    Masks,        // a segment per volume, 0 or 1, overlaps allowed (BINARY)
    Fractional    // a segment per volume, probabilities from 0 to 1 (FRACTIONAL)
  };

  struct ReferencedImage
  {
    std::string  sopClassUid;
    std::string  sopInstanceUid;
    bool         hasPosition = false;
    double       position[3] = { 0, 0, 0 };   // ImagePositionPatient
    bool         hasOrientation = false;
    double       orientation[6] = { 1, 0, 0, 0, 1, 0 };   // ImageOrientationPatient
  };

  // The series the NIfTI was computed from
  struct ReferenceSeries
  {
    std::string                   seriesInstanceUid;
    std::string                   frameOfReferenceUid;
    bool                          sameFrameOfReference = false;   // share it with the new series
    std::vector<ReferencedImage>  images;

    // The plane of its images (those of its first instance): where an RT
    // Structure Set puts its contours. Absent for a series without
    // ImageOrientationPatient, PixelSpacing, Rows or Columns.
    bool                          hasGeometry = false;
    double                        orientation[6] = { 1, 0, 0, 0, 1, 0 };   // ImageOrientationPatient
    double                        pixelSpacing[2] = { 1, 1 };             // [between rows, between columns]
    int64_t                       rows = 0;
    int64_t                       columns = 0;
  };

  // What the caller decides about the new series
  struct SeriesOptions
  {
    IodType         iod = IodType::MrImage;
    Modality        modality = Modality::MR;   // of a Parametric Map; classic images are MR or CT Image as it says
    std::string     seriesDescription;   // empty: derived from the file
    std::string     sourceFilename;      // for the description and DerivationDescription
    int             seriesNumber = 1;
    std::string     seriesInstanceUid;   // empty: a new one
    TagOverrides    tags;

    // Parametric Map
    bool            doublePrecision = false;   // Double Float Pixel Data instead of Float
    CodedConcept    units;                     // UCUM; empty: "no units"
    CodedConcept    quantity;                  // empty: none

    // The NIfTI "descrip" is free text that may name the patient: only used on request
    bool            useNiftiDescription = false;

    // Segmentation and RT Structure Set: names, colours and codes by label
    // value (a label map) or by volume number from 1 (masks, fractional)
    std::map<int64_t, SegmentLabel> labels;
    SegmentationKind                segmentationKind = SegmentationKind::Auto;

    bool            hasReference = false;
    ReferenceSeries reference;

    // Metadata of the acquisition (classic images): BIDS sidecar, bval/bvec
    BidsSidecar                      sidecar;
    std::shared_ptr<DiffusionTable>  diffusion;   // null: none

    SeriesLimits    limits;
  };
}
