#pragma once

#include "NiftiVolume.h"
#include "ParentStudyTags.h"
#include "PixelEncoder.h"
#include "SeriesGeometry.h"
#include "TagOverrides.h"

#include <string>
#include <vector>

namespace NiftiToDicom
{
  enum class ClassicSopClass
  {
    MRImage,
    CTImage
  };

  // What the caller decides about the new series
  struct SeriesOptions
  {
    ClassicSopClass sopClass = ClassicSopClass::MRImage;
    std::string     seriesDescription;   // empty: derived from the file
    std::string     sourceFilename;      // for the description and DerivationDescription
    int             seriesNumber = 1;
    std::string     seriesInstanceUid;   // empty: a new one
    TagOverrides    tags;
  };

  // Everything shared by the instances of the series: computed once, then
  // read by the IOD builder for each slice.
  class SeriesPlan
  {
  private:
    const NiftiVolume&        volume_;
    const ParentStudyTags&    parent_;
    SeriesOptions             options_;
    SeriesGeometry            geometry_;
    PixelEncoder              encoder_;
    std::string               seriesInstanceUid_;
    std::string               frameOfReferenceUid_;
    std::string               seriesDescription_;
    std::string               derivationDescription_;
    std::string               creationDate_;
    std::string               creationTime_;
    double                    repetitionTimeMs_;   // 0 when unknown
    std::vector<std::string>  warnings_;

    void ChooseDescription();
    void ReadRepetitionTime();

  public:
    SeriesPlan(const NiftiVolume& volume, const ParentStudyTags& parent, SeriesOptions&& options);

    const NiftiVolume& GetVolume() const { return volume_; }
    const ParentStudyTags& GetParent() const { return parent_; }
    const SeriesOptions& GetOptions() const { return options_; }
    const SeriesGeometry& GetGeometry() const { return geometry_; }
    const PixelEncoder& GetEncoder() const { return encoder_; }
    const std::string& GetSeriesInstanceUid() const { return seriesInstanceUid_; }
    const std::string& GetFrameOfReferenceUid() const { return frameOfReferenceUid_; }
    const std::string& GetSeriesDescription() const { return seriesDescription_; }
    const std::string& GetDerivationDescription() const { return derivationDescription_; }
    const std::string& GetCreationDate() const { return creationDate_; }
    const std::string& GetCreationTime() const { return creationTime_; }
    double GetRepetitionTimeMs() const { return repetitionTimeMs_; }

    int64_t GetSliceCount() const { return volume_.GetDepth(); }
    int64_t GetTimePointCount() const { return volume_.GetTimePoints(); }
    int64_t GetInstanceCount() const { return GetSliceCount() * GetTimePointCount(); }

    // Warnings of the geometry, the encoder and the plan itself
    const std::vector<std::string>& GetWarnings() const { return warnings_; }
  };
}
