#pragma once

#include "Dicom/DicomBuilder.h"
#include "Iod/InstanceFactory.h"

#include <dcmtk/dcmdata/dctagkey.h>

#include <memory>
#include <string>
#include <vector>

class DcmDataset;

namespace NiftiToDicom
{
  // One frame of a multi-frame instance: slice k of volume t (and, for a
  // segmentation, the segment it shows)
  struct Frame
  {
    int64_t k = 0;
    int64_t t = 0;
    int64_t segment = 0;   // 1-based segment number, 0 when not a segmentation
  };

  // The frames of the instance, and whatever the IOD learnt choosing them
  struct FrameLayout
  {
    std::vector<Frame> frames;

    virtual ~FrameLayout()
    {
    }
  };

  // The whole series in one "enhanced" multi-frame instance (PS3.3 C.7.6.16
  // functional groups, C.7.6.17 dimensions). This base writes what all such
  // IODs share; each subclass adds its image module and functional groups.
  class MultiFrameIod : public IInstanceFactory
  {
  protected:
    struct Dimension
    {
      DcmTagKey    indexPointer;
      DcmTagKey    groupPointer;
      const char*  label;
    };

    virtual const char* GetSopClassUid() const = 0;

    virtual const char* GetModality(const SeriesPlan& plan) const = 0;

    // Default: every slice of every volume, time-major
    virtual std::unique_ptr<FrameLayout> ListFrames(const SeriesPlan& plan) const;

    virtual void AddImageModule(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const = 0;

    virtual void AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const = 0;

    // Default: the attributes of FrameContentSequence besides DimensionIndexValues
    virtual void AddFrameContent(DcmItem& content, const SeriesPlan& plan, const Frame& frame) const;

    virtual void AddFrameGroups(DcmItem& perFrame, const SeriesPlan& plan, const Frame& frame) const
    {
    }

    // Default: [temporal position (4D),] position of the slice
    virtual std::vector<Dimension> GetDimensions(const SeriesPlan& plan) const;

    virtual std::vector<Uint32> GetDimensionIndexValues(const SeriesPlan& plan, const Frame& frame) const;

    virtual void AddPixelData(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const = 0;

  public:
    int64_t GetInstanceCount(const SeriesPlan& plan) const override
    {
      return 1;
    }

    void BuildInstance(std::string& file, std::string& scratch, const SeriesPlan& plan,
                       int64_t index) const override;
  };


  // Parametric Map (PS3.3 A.75): float values kept exactly, with their units
  class ParametricMapIod : public MultiFrameIod
  {
  protected:
    const char* GetSopClassUid() const override;
    const char* GetModality(const SeriesPlan& plan) const override;
    void AddImageModule(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;
    void AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const override;
    void AddPixelData(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;
  };


  // Enhanced MR Image (PS3.3 A.36.2): the classic 16-bit pixels and rescale
  // in one multi-frame instance
  class EnhancedMrImageIod : public MultiFrameIod
  {
  protected:
    const char* GetSopClassUid() const override;
    const char* GetModality(const SeriesPlan& plan) const override;
    void AddImageModule(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;
    void AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const override;
    void AddPixelData(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;
  };


  // Enhanced MR Color Image (PS3.3 A.36.4): RGB24 volumes, bytes as they are
  class EnhancedMrColorImageIod : public MultiFrameIod
  {
  protected:
    const char* GetSopClassUid() const override;
    const char* GetModality(const SeriesPlan& plan) const override;
    void AddImageModule(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;
    void AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const override;
    void AddPixelData(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;
  };


  // Multi-frame True Color Secondary Capture (PS3.3 A.8.5): for viewers that
  // cannot show Enhanced MR Color. Keeps the colours, not the geometry.
  class TrueColorSecondaryCaptureIod : public IInstanceFactory
  {
  public:
    int64_t GetInstanceCount(const SeriesPlan& plan) const override
    {
      return 1;
    }

    void BuildInstance(std::string& file, std::string& scratch, const SeriesPlan& plan,
                       int64_t index) const override;
  };


  // Binary Segmentation (PS3.3 A.51): a segment per non-zero label, frames
  // only where a segment is present
  class SegmentationIod : public MultiFrameIod
  {
  protected:
    const char* GetSopClassUid() const override;
    const char* GetModality(const SeriesPlan& plan) const override;
    std::unique_ptr<FrameLayout> ListFrames(const SeriesPlan& plan) const override;
    void AddImageModule(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;
    void AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const override;
    void AddFrameContent(DcmItem& content, const SeriesPlan& plan, const Frame& frame) const override;
    void AddFrameGroups(DcmItem& perFrame, const SeriesPlan& plan, const Frame& frame) const override;
    std::vector<Dimension> GetDimensions(const SeriesPlan& plan) const override;
    std::vector<Uint32> GetDimensionIndexValues(const SeriesPlan& plan, const Frame& frame) const override;
    void AddPixelData(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const override;

  public:
    // sRGB (0-255) to DICOM's scaled CIELab (PS3.3 C.10.7.1.1), D65
    static void RgbToScaledCieLab(Uint16 lab[3], const uint8_t rgb[3]);
  };
}
