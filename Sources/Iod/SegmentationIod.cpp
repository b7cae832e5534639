#include "Iod/SegmentationIod.h"

#include "Common/ConversionError.h"
#include "Dicom/Codes.h"
#include "Dicom/DicomValues.h"
#include "Dicom/DicomWriter.h"
#include "Nifti/VoxelReader.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmiod/cielabutil.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>

namespace NiftiToDicom
{
  namespace
  {
    struct SegmentLayout : public FrameLayout
    {
      SegmentationKind      kind = SegmentationKind::LabelMap;
      std::vector<int64_t>  sources;   // of segment number i + 1: its label value, or its volume number from 1
    };

    // A probability from 0 to 1 in 8 bits (MaximumFractionalValue 255)
    const double MAXIMUM_FRACTIONAL_VALUE = 255;

    uint8_t ToFractional(double probability)
    {
      return static_cast<uint8_t>(std::lround(probability * MAXIMUM_FRACTIONAL_VALUE));
    }

    std::string Describe(double v)
    {
      return std::isnan(v) ? std::string("NaN (not a number)") :
        std::isinf(v) ? std::string("an infinite value") : DicomValues::FormatDecimal(v);
    }

    // A Segmentation stays what it was by default: a 3D label map (a 4D
    // NIfTI is refused, saying which type to ask for)
    SegmentationKind ChooseKind(const SeriesPlan& plan)
    {
      const SegmentationKind requested = plan.GetOptions().segmentationKind;
      return requested == SegmentationKind::Auto ? SegmentationKind::LabelMap : requested;
    }


    // A segment per label value, frames only where it is present
    void ListLabelMapFrames(SegmentLayout& layout, const SeriesPlan& plan)
    {
      const NiftiVolume& volume = plan.GetVolume();
      if (volume.GetTimePoints() > 1)
      {
        throw ConversionError(ErrorKind::Unsupported,
                              "A label map must be 3D; this NIfTI has " + std::to_string(volume.GetTimePoints()) +
                              " volumes: use \"SegmentationType\": \"Masks\" (0/1 masks) or \"Fractional\" "
                              "(probabilities) for a segment per volume");
      }

      // Which labels appear on which slices. The limits are checked as the
      // scan goes: 65535 labels on every slice would otherwise fill this map
      // with millions of nodes before any check
      const SeriesLimits& limits = plan.GetOptions().limits;
      VoxelReader reader(volume);
      std::map<int64_t, std::set<int64_t> > slicesOfLabel;
      int64_t frames = 0;
      std::vector<double> row;
      for (int64_t k = 0; k < volume.GetDepth(); k++)
      {
        for (int64_t r = 0; r < volume.GetHeight(); r++)
        {
          reader.ReadDicomRow(row, r, k, 0);
          for (double v : row)
          {
            if (v == 0)
            {
              continue;
            }
            if (!std::isfinite(v) || v != std::floor(v) || v < 0 || v > 65535)
            {
              throw ConversionError(ErrorKind::InvalidInput,
                                    "A label map must hold whole numbers from 0 (background) to 65535; this NIfTI "
                                    "holds " + Describe(v) + ". Use \"SegmentationType\": \"Fractional\" for "
                                    "probabilities from 0 to 1, or \"Type\": \"ParametricMap\" for continuous values");
            }
            auto label = slicesOfLabel.find(static_cast<int64_t>(v));
            if (label == slicesOfLabel.end())
            {
              limits.CheckSegments(static_cast<int64_t>(slicesOfLabel.size()) + 1);
              label = slicesOfLabel.emplace(static_cast<int64_t>(v), std::set<int64_t>()).first;
            }
            if (label->second.insert(k).second)
            {
              frames++;
              limits.CheckFrames(frames);
            }
          }
        }
      }

      if (slicesOfLabel.empty())
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "The label map is empty (every voxel is 0): a segmentation needs at least one label");
      }

      int64_t segment = 0;
      for (const auto& label : slicesOfLabel)
      {
        layout.sources.push_back(label.first);
        segment++;
        for (int64_t k : label.second)
        {
          Frame frame;
          frame.k = k;
          frame.segment = segment;
          layout.frames.push_back(frame);
        }
      }
    }


    // A segment per volume (even an empty one, so that segment i is volume
    // i and takes the label i of the table), frames only where it is present
    void ListVolumeFrames(SegmentLayout& layout, const SeriesPlan& plan)
    {
      const NiftiVolume& volume = plan.GetVolume();
      const SeriesLimits& limits = plan.GetOptions().limits;
      const bool fractional = (layout.kind == SegmentationKind::Fractional);
      limits.CheckSegments(volume.GetTimePoints());

      VoxelReader reader(volume);
      std::vector<double> row;
      int64_t frames = 0;
      for (int64_t t = 0; t < volume.GetTimePoints(); t++)
      {
        layout.sources.push_back(t + 1);
        for (int64_t k = 0; k < volume.GetDepth(); k++)
        {
          bool present = false;
          for (int64_t r = 0; r < volume.GetHeight(); r++)
          {
            reader.ReadDicomRow(row, r, k, t);
            for (double v : row)
            {
              if (fractional ? !(v >= 0 && v <= 1) : (v != 0 && v != 1))
              {
                throw ConversionError(ErrorKind::InvalidInput,
                                      std::string(fractional ?
                                                  "A fractional segmentation holds probabilities from 0 to 1" :
                                                  "Masks hold 0 (outside) and 1 (inside)") +
                                      "; volume " + std::to_string(t + 1) + " of this NIfTI holds " + Describe(v) +
                                      (fractional ? std::string(". Scale the probabilities to [0, 1], or use "
                                                                "\"Type\": \"ParametricMap\" for other values") :
                                       std::string(". Use \"SegmentationType\": \"Fractional\" for probabilities, "
                                                   "or a 3D label map for labels")));
              }
              present = present || (fractional ? ToFractional(v) > 0 : v != 0);
            }
          }
          if (present)
          {
            Frame frame;
            frame.k = k;
            frame.t = t;
            frame.segment = t + 1;
            layout.frames.push_back(frame);
            frames++;
            limits.CheckFrames(frames);
          }
        }
      }

      if (layout.frames.empty())
      {
        throw ConversionError(ErrorKind::InvalidInput, std::string("Every ") + (fractional ? "probability" : "mask") +
                              " of this NIfTI is 0: a segmentation needs at least one segment");
      }
    }
  }


  const char* SegmentationIod::GetSopClassUid() const
  {
    return UID_SegmentationStorage;
  }


  const char* SegmentationIod::GetModality(const SeriesPlan& plan) const
  {
    return "SEG";
  }


  const CodedConcept& SegmentationIod::GetDerivationCode() const
  {
    return Codes::Segmentation();
  }


  std::unique_ptr<FrameLayout> SegmentationIod::ListFrames(const SeriesPlan& plan) const
  {
    std::unique_ptr<SegmentLayout> layout(new SegmentLayout);
    layout->kind = ChooseKind(plan);
    if (layout->kind == SegmentationKind::LabelMap)
    {
      ListLabelMapFrames(*layout, plan);
    }
    else
    {
      ListVolumeFrames(*layout, plan);
    }

    // 1 bit per pixel, or 8 for probabilities
    const uint64_t pixels = static_cast<uint64_t>(layout->frames.size()) * plan.GetGeometry().GetRows() *
      plan.GetGeometry().GetColumns();
    plan.GetOptions().limits.CheckSegmentationBytes(layout->kind == SegmentationKind::Fractional ?
                                                    pixels : (pixels + 7) / 8);
    return std::unique_ptr<FrameLayout>(layout.release());
  }


  void SegmentationIod::RgbToScaledCieLab(Uint16 lab[3], const uint8_t rgb[3])
  {
    double scaled[3];
    IODCIELabUtil::rgb2DicomLab(scaled[0], scaled[1], scaled[2], rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
    for (int i = 0; i < 3; i++)
    {
      lab[i] = static_cast<Uint16>(std::min(65535.0, std::max(0.0, std::round(scaled[i]))));
    }
  }


  void SegmentationIod::AddImageModule(DcmDataset& d, const SeriesPlan& plan, const FrameLayout& layout) const
  {
    const SegmentLayout& segments = dynamic_cast<const SegmentLayout&>(layout);
    const SeriesOptions& options = plan.GetOptions();
    const bool fractional = (segments.kind == SegmentationKind::Fractional);

    // Segmentation Image module (C.8.20.2)
    DicomWriter::Put(d, DCM_ImageType, "DERIVED\\PRIMARY");
    DicomWriter::Put(d, DCM_ContentLabel, "SEGMENTATION");
    DicomWriter::Put(d, DCM_ContentDescription, plan.GetSeriesDescription());
    DicomWriter::Put(d, DCM_ContentCreatorName, "");
    DicomWriter::PutUint16(d, DCM_SamplesPerPixel, 1);
    DicomWriter::Put(d, DCM_PhotometricInterpretation, "MONOCHROME2");
    DicomWriter::PutUint16(d, DCM_PixelRepresentation, 0);
    DicomWriter::PutUint16(d, DCM_BitsAllocated, fractional ? 8 : 1);
    DicomWriter::PutUint16(d, DCM_BitsStored, fractional ? 8 : 1);
    DicomWriter::PutUint16(d, DCM_HighBit, fractional ? 7 : 0);
    DicomWriter::Put(d, DCM_LossyImageCompression, "00");
    if (fractional)
    {
      DicomWriter::Put(d, DCM_SegmentationType, "FRACTIONAL");
      DicomWriter::Put(d, DCM_SegmentationFractionalType, "PROBABILITY");
      DicomWriter::PutUint16(d, DCM_MaximumFractionalValue, static_cast<int64_t>(MAXIMUM_FRACTIONAL_VALUE));
    }
    else
    {
      DicomWriter::Put(d, DCM_SegmentationType, "BINARY");
    }

    const bool byVolume = (segments.kind != SegmentationKind::LabelMap);
    for (size_t i = 0; i < segments.sources.size(); i++)
    {
      const int64_t source = segments.sources[i];
      DcmItem& segment = DicomWriter::AppendItem(d, DCM_SegmentSequence);
      DicomWriter::PutUint16(segment, DCM_SegmentNumber, static_cast<int64_t>(i + 1));

      std::string name = (byVolume ? "Segment " : "Label ") + std::to_string(source);
      auto found = options.labels.find(source);
      const SegmentLabel* label = (found == options.labels.end()) ? nullptr : &found->second;
      if (label != nullptr && !label->name.empty())
      {
        name = DicomValues::TruncateUtf8(label->name, 64);
      }
      DicomWriter::Put(segment, DCM_SegmentLabel, name);
      DicomWriter::Put(segment, DCM_SegmentDescription,
                       (byVolume ? "NIfTI volume " : "NIfTI label value ") + std::to_string(source));
      DicomWriter::Put(segment, DCM_SegmentAlgorithmType, "AUTOMATIC");
      DicomWriter::Put(segment, DCM_SegmentAlgorithmName,
                       fractional ? "NIfTI probability map" : byVolume ? "NIfTI masks" : "NIfTI label map");

      // The codes of the table; else a label map says nothing more than "tissue"
      const bool coded = (label != nullptr && !label->category.IsEmpty());
      DicomWriter::AddCode(segment, DCM_SegmentedPropertyCategoryCodeSequence,
                           coded ? label->category : Codes::Tissue());
      DicomWriter::AddCode(segment, DCM_SegmentedPropertyTypeCodeSequence, coded ? label->type : Codes::Tissue());
      if (coded && !label->typeModifier.IsEmpty())
      {
        // Nested in the type's item (Segment Description macro, PS3.3 Table 10-25)
        DcmItem* type = nullptr;
        if (segment.findOrCreateSequenceItem(DCM_SegmentedPropertyTypeCodeSequence, type, 0).bad() || type == nullptr)
        {
          throw ConversionError(ErrorKind::Internal, "Cannot write the segment's type modifier");
        }
        DicomWriter::AddCode(*type, DCM_SegmentedPropertyTypeModifierCodeSequence, label->typeModifier);
      }

      if (label != nullptr && label->hasColor)
      {
        Uint16 lab[3];
        RgbToScaledCieLab(lab, label->color);
        segment.putAndInsertUint16Array(DCM_RecommendedDisplayCIELabValue, lab, 3);
      }
    }
  }


  void SegmentationIod::AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const
  {
  }


  void SegmentationIod::AddFrameContent(DcmItem& content, const SeriesPlan& plan, const Frame& frame) const
  {
  }


  void SegmentationIod::AddFrameGroups(DcmItem& perFrame, const SeriesPlan& plan, const Frame& frame) const
  {
    DcmItem& identification = DicomWriter::AppendItem(perFrame, DCM_SegmentIdentificationSequence);
    DicomWriter::PutUint16(identification, DCM_ReferencedSegmentNumber, frame.segment);
  }


  std::vector<MultiFrameIod::Dimension> SegmentationIod::GetDimensions(const SeriesPlan& plan) const
  {
    return {
      { DCM_ReferencedSegmentNumber, DCM_SegmentIdentificationSequence, "Referenced Segment Number" },
      { DCM_ImagePositionPatient, DCM_PlanePositionSequence, "Image Position Patient" }
    };
  }


  std::vector<Uint32> SegmentationIod::GetDimensionIndexValues(const SeriesPlan& plan, const Frame& frame) const
  {
    return { static_cast<Uint32>(frame.segment), static_cast<Uint32>(frame.k + 1) };
  }


  void SegmentationIod::AddPixelData(DcmDataset& d, const SeriesPlan& plan, const FrameLayout& layout) const
  {
    const SegmentLayout& segments = dynamic_cast<const SegmentLayout&>(layout);
    VoxelReader reader(plan.GetVolume());
    const int64_t rows = plan.GetGeometry().GetRows();
    const int64_t columns = plan.GetGeometry().GetColumns();
    const bool fractional = (segments.kind == SegmentationKind::Fractional);

    // The volumes of masks and probabilities are segments, not times
    DicomWriter::Put(d, DCM_DimensionOrganizationType, "3D");

    // 1 bit per pixel, least significant bit first, or 1 byte; frames back to back
    const uint64_t pixels = static_cast<uint64_t>(layout.frames.size()) * rows * columns;
    std::unique_ptr<DcmPixelData> element(new DcmPixelData(DCM_PixelData));
    element->setVR(EVR_OB);
    Uint8* bytes = nullptr;
    const unsigned long length = static_cast<unsigned long>(fractional ? pixels : (pixels + 7) / 8);
    if (element->createUint8Array(length + (length % 2), bytes).bad())   // even length
    {
      throw ConversionError(ErrorKind::Internal, "Cannot allocate the segmentation's Pixel Data");
    }
    std::fill(bytes, bytes + length + (length % 2), 0);

    uint64_t pixel = 0;
    std::vector<double> row;
    for (const Frame& frame : layout.frames)
    {
      const double label = static_cast<double>(segments.sources[frame.segment - 1]);
      for (int64_t r = 0; r < rows; r++)
      {
        reader.ReadDicomRow(row, r, frame.k, frame.t);
        for (int64_t c = 0; c < columns; c++, pixel++)
        {
          if (fractional)
          {
            bytes[pixel] = ToFractional(row[c]);
          }
          else if (segments.kind == SegmentationKind::LabelMap ? row[c] == label : row[c] != 0)
          {
            bytes[pixel / 8] |= static_cast<Uint8>(1u << (pixel % 8));
          }
        }
      }
    }

    d.insert(element.release(), true);
  }
}
