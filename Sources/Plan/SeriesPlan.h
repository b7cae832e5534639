#pragma once

#include "Nifti/NiftiVolume.h"
#include "Metadata/ParentStudyTags.h"
#include "Plan/PixelEncoder.h"
#include "Plan/SeriesGeometry.h"
#include "Plan/SeriesOptions.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace NiftiToDicom
{
  // Everything shared by the instances of the series: computed once, then
  // read by the IOD builder for each slice.
  class SeriesPlan
  {
  private:
    const NiftiVolume&        volume_;
    const ParentStudyTags&    parent_;
    SeriesOptions             options_;
    SeriesGeometry            geometry_;
    std::unique_ptr<PixelEncoder> encoder_;   // classic images only
    std::string               seriesInstanceUid_;
    std::string               frameOfReferenceUid_;
    std::string               dimensionOrganizationUid_;
    std::string               concatenationUid_;
    std::string               concatenationSourceUid_;
    std::string               seriesDescription_;
    std::string               derivationDescription_;
    std::string               creationDate_;
    std::string               creationTime_;
    double                    repetitionTimeMs_;   // 0 when unknown
    bool                      inversionTimeAllowed_;
    std::vector<std::string>  warnings_;

    void ChooseDescription();
    void ReadRepetitionTime();

  public:
    SeriesPlan(const NiftiVolume& volume, const ParentStudyTags& parent, SeriesOptions&& options);

    const NiftiVolume& GetVolume() const { return volume_; }
    const ParentStudyTags& GetParent() const { return parent_; }
    const SeriesOptions& GetOptions() const { return options_; }
    const SeriesGeometry& GetGeometry() const { return geometry_; }
    // Throws for the output types that do not quantise to 16 bits
    const PixelEncoder& GetEncoder() const;
    const std::string& GetSeriesInstanceUid() const { return seriesInstanceUid_; }
    const std::string& GetFrameOfReferenceUid() const { return frameOfReferenceUid_; }
    // The same in every piece of a multi-frame object split into a concatenation
    const std::string& GetDimensionOrganizationUid() const { return dimensionOrganizationUid_; }
    const std::string& GetConcatenationUid() const { return concatenationUid_; }
    // The SOP Instance UID the object would have as one instance: no such
    // instance is stored, as when a scanner splits an object to send it
    const std::string& GetConcatenationSourceUid() const { return concatenationSourceUid_; }
    const std::string& GetSeriesDescription() const { return seriesDescription_; }
    const std::string& GetDerivationDescription() const { return derivationDescription_; }
    const std::string& GetCreationDate() const { return creationDate_; }
    const std::string& GetCreationTime() const { return creationTime_; }
    double GetRepetitionTimeMs() const { return repetitionTimeMs_; }

    // InversionTime belongs only to inversion-recovery sequences (IR in ScanningSequence)
    bool IsInversionTimeAllowed() const { return inversionTimeAllowed_; }

    int64_t GetSliceCount() const { return volume_.GetDepth(); }
    int64_t GetTimePointCount() const { return volume_.GetTimePoints(); }

    // Warnings of the geometry, the encoder and the plan itself
    const std::vector<std::string>& GetWarnings() const { return warnings_; }

    const char* GetModality() const
    {
      return GetModalityName(options_.modality);
    }
  };
}
