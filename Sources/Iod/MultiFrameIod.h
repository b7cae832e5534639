#pragma once

#include "Dicom/DicomWriter.h"
#include "Iod/FrameLayout.h"
#include "Iod/InstanceFactory.h"
#include "Iod/SidecarPlacement.h"
#include "Plan/Concatenation.h"

#include <dcmtk/dcmdata/dctagkey.h>
#include <dcmtk/ofstd/oftypes.h>

#include <memory>
#include <string>
#include <vector>

class DcmDataset;
class DcmItem;

namespace NiftiToDicom
{
  // The whole series in one "enhanced" multi-frame object (PS3.3 C.7.6.16
  // functional groups, C.7.6.17 dimensions): one instance, or, beyond
  // SeriesLimits::maximumInstanceBytes of pixels, a concatenation whose
  // instances ("pieces") are the converter's instances, each built with its
  // frames only. This base writes the modules all such IODs share; each
  // subclass adds its image module, its functional groups and its pixels.
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

    // How the frames derive from the images of the reference series
    virtual const CodedConcept& GetDerivationCode() const;

    // Default: every slice of every volume, time-major
    virtual std::unique_ptr<FrameLayout> ListFrames(const SeriesPlan& plan) const;

    virtual void AddImageModule(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const = 0;

    virtual void AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const = 0;

    // Default: the attributes of FrameContentSequence besides DimensionIndexValues
    virtual void AddFrameContent(DcmItem& content, const SeriesPlan& plan, const Frame& frame) const;

    virtual void AddFrameGroups(DcmItem& perFrame, const SeriesPlan& plan, const Frame& frame) const
    {
    }

    // Plane Orientation in every frame instead of the shared groups. A
    // reader of the frames in file order (dcm2niix v1.0.20220720 for files
    // of no vendor it knows) then keeps that order, time-major, instead of
    // sorting the frames by their position alone, which mixes the volumes
    // of a 4D series (default: shared)
    virtual bool IsOrientationPerFrame() const
    {
      return false;
    }

    // Where the sidecar's attributes go (default: no MR functional groups)
    virtual SidecarPlacement::Family GetSidecarFamily() const
    {
      return SidecarPlacement::Family::NonMr;
    }

    // Default: stack, position in the stack[, temporal position (4D)], all
    // in Frame Content: the organisation of the scanners' own Enhanced MR
    // (Philips, Siemens XA), which readers such as dcm2niix sort by, the
    // last dimension varying slowest
    virtual std::vector<Dimension> GetDimensions(const SeriesPlan& plan) const;

    virtual std::vector<Uint32> GetDimensionIndexValues(const SeriesPlan& plan, const Frame& frame) const;

    // The pixels as an element of the dataset (default: refused, for the
    // IODs that write them with WritePixels instead)
    virtual void AddPixelData(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const;

    // IODs whose pixels are one plain array (Enhanced MR, Parametric Map)
    // describe their element here and write its value with WritePixels,
    // straight into the file after the dataset: the pixels of a large object
    // are written once, not in a DCMTK element and then copied to the file.
    // Default: false, the pixels are added by AddPixelData.
    virtual bool GetPixelElement(DicomWriter::PixelElement& element, const SeriesPlan& plan,
                                 const FrameLayout& layout) const
    {
      return false;
    }

    // The element's value into "target", which holds element.bytes bytes
    // (no alignment: unaligned values are written with memcpy)
    virtual void WritePixels(uint8_t* target, const SeriesPlan& plan, const FrameLayout& layout) const
    {
    }

    // Bytes of the pixels of one frame; 0 (default): never a concatenation
    virtual uint64_t GetFrameBytes(const SeriesPlan& plan) const
    {
      return 0;
    }

  private:
    Concatenation GetConcatenation(const SeriesPlan& plan) const;

    static void WriteConcatenation(DcmDataset& dataset, const SeriesPlan& plan, const Concatenation& concatenation,
                                   int64_t piece);

    void WriteDimensions(DcmDataset& dataset, const SeriesPlan& plan) const;

    void WriteSharedGroups(DcmDataset& dataset, const SeriesPlan& plan) const;

    void WritePerFrameGroups(DcmDataset& dataset, const SeriesPlan& plan, const FrameLayout& layout) const;

  public:
    // The pieces of the concatenation (1: not split)
    int64_t GetInstanceCount(const SeriesPlan& plan) const override
    {
      return GetConcatenation(plan).GetPieceCount();
    }

    bool IsBuiltOneAtATime(const SeriesPlan& plan) const override
    {
      return GetConcatenation(plan).IsSplit();
    }

    void BuildInstance(std::string& file, std::string& scratch, const SeriesPlan& plan,
                       int64_t index) const override;
  };
}
