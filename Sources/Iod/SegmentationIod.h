#pragma once

#include "Iod/MultiFrameIod.h"

#include <dcmtk/ofstd/oftypes.h>

#include <cstdint>

namespace NiftiToDicom
{
  // Segmentation (PS3.3 A.51): BINARY with a segment per non-zero value of
  // a label map, or per volume of 0/1 masks (which may overlap); FRACTIONAL
  // with a segment per volume of probabilities. Frames only where a segment
  // is present; names, colours and codes from the label table.
  class SegmentationIod : public MultiFrameIod
  {
  protected:
    const char* GetSopClassUid() const override;
    const char* GetModality(const SeriesPlan& plan) const override;
    const CodedConcept& GetDerivationCode() const override;
    std::unique_ptr<FrameLayout> ListFrames(const SeriesPlan& plan) const override;
    void AddImageModule(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;
    void AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const override;
    void AddFrameContent(DcmItem& content, const SeriesPlan& plan, const Frame& frame) const override;
    void AddFrameGroups(DcmItem& perFrame, const SeriesPlan& plan, const Frame& frame) const override;
    std::vector<Dimension> GetDimensions(const SeriesPlan& plan) const override;
    std::vector<Uint32> GetDimensionIndexValues(const SeriesPlan& plan, const Frame& frame) const override;
    void AddPixelData(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;

  public:
    // sRGB (0-255) to DICOM's scaled CIELab (PS3.3 C.10.7.1.1), D65, by
    // DCMTK's conversion, rounded to the nearest
    static void RgbToScaledCieLab(Uint16 lab[3], const uint8_t rgb[3]);
  };
}
