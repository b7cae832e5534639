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
      std::vector<int64_t> labels;   // label value of segment number i + 1
    };
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
    const NiftiVolume& volume = plan.GetVolume();
    if (volume.GetTimePoints() > 1)
    {
      throw ConversionError(ErrorKind::Unsupported,
                            "A segmentation must be a 3D label map; this NIfTI has " +
                            std::to_string(volume.GetTimePoints()) + " volumes");
    }

    // Which labels appear on which slices. The limits are checked as the
    // scan goes: 65535 labels on every slice would otherwise fill this map
    // with millions of nodes before any check
    const SeriesLimits& limits = plan.GetOptions().limits;
    const VoxelReader reader(volume);
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
                                  "holds " + (std::isnan(v) ? std::string("NaN (not a number)") :
                                              std::isinf(v) ? std::string("an infinite value") :
                                              DicomValues::FormatDecimal(v)) +
                                  ". Use \"Type\": \"ParametricMap\" "
                                  "for continuous values");
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

    // 1 bit per pixel
    limits.CheckSegmentationBytes((static_cast<uint64_t>(frames) * plan.GetGeometry().GetRows() *
                                   plan.GetGeometry().GetColumns() + 7) / 8);

    std::unique_ptr<SegmentLayout> layout(new SegmentLayout);
    int64_t segment = 0;
    for (const auto& label : slicesOfLabel)
    {
      layout->labels.push_back(label.first);
      segment++;
      for (int64_t k : label.second)
      {
        Frame frame;
        frame.k = k;
        frame.segment = segment;
        layout->frames.push_back(frame);
      }
    }
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

    // Segmentation Image module (C.8.20.2)
    DicomWriter::Put(d, DCM_ImageType, "DERIVED\\PRIMARY");
    DicomWriter::Put(d, DCM_ContentLabel, "SEGMENTATION");
    DicomWriter::Put(d, DCM_ContentDescription, plan.GetSeriesDescription());
    DicomWriter::Put(d, DCM_ContentCreatorName, "");
    DicomWriter::PutUint16(d, DCM_SamplesPerPixel, 1);
    DicomWriter::Put(d, DCM_PhotometricInterpretation, "MONOCHROME2");
    DicomWriter::PutUint16(d, DCM_PixelRepresentation, 0);
    DicomWriter::PutUint16(d, DCM_BitsAllocated, 1);
    DicomWriter::PutUint16(d, DCM_BitsStored, 1);
    DicomWriter::PutUint16(d, DCM_HighBit, 0);
    DicomWriter::Put(d, DCM_LossyImageCompression, "00");
    DicomWriter::Put(d, DCM_SegmentationType, "BINARY");

    for (size_t i = 0; i < segments.labels.size(); i++)
    {
      const int64_t value = segments.labels[i];
      DcmItem& segment = DicomWriter::AppendItem(d, DCM_SegmentSequence);
      DicomWriter::PutUint16(segment, DCM_SegmentNumber, static_cast<int64_t>(i + 1));

      std::string name = "Label " + std::to_string(value);
      auto found = options.labels.find(value);
      if (found != options.labels.end() && !found->second.name.empty())
      {
        name = DicomValues::TruncateUtf8(found->second.name, 64);
      }
      DicomWriter::Put(segment, DCM_SegmentLabel, name);
      DicomWriter::Put(segment, DCM_SegmentDescription, "NIfTI label value " + std::to_string(value));
      DicomWriter::Put(segment, DCM_SegmentAlgorithmType, "AUTOMATIC");
      DicomWriter::Put(segment, DCM_SegmentAlgorithmName, "NIfTI label map");
      DicomWriter::AddCode(segment, DCM_SegmentedPropertyCategoryCodeSequence, Codes::Tissue());
      DicomWriter::AddCode(segment, DCM_SegmentedPropertyTypeCodeSequence, Codes::Tissue());

      if (found != options.labels.end() && found->second.hasColor)
      {
        Uint16 lab[3];
        RgbToScaledCieLab(lab, found->second.color);
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
    const VoxelReader reader(plan.GetVolume());
    const int64_t rows = plan.GetGeometry().GetRows();
    const int64_t columns = plan.GetGeometry().GetColumns();

    // 1 bit per pixel, least significant bit first, frames back to back
    const uint64_t bits = static_cast<uint64_t>(layout.frames.size()) * rows * columns;
    std::unique_ptr<DcmPixelData> element(new DcmPixelData(DCM_PixelData));
    element->setVR(EVR_OB);
    Uint8* bytes = nullptr;
    const unsigned long length = static_cast<unsigned long>((bits + 7) / 8);
    if (element->createUint8Array(length + (length % 2), bytes).bad())   // even length
    {
      throw ConversionError(ErrorKind::Internal, "Cannot allocate the segmentation's Pixel Data");
    }
    std::fill(bytes, bytes + length + (length % 2), 0);

    uint64_t bit = 0;
    std::vector<double> row;
    for (const Frame& frame : layout.frames)
    {
      const double label = static_cast<double>(segments.labels[frame.segment - 1]);
      for (int64_t r = 0; r < rows; r++)
      {
        reader.ReadDicomRow(row, r, frame.k, 0);
        for (int64_t c = 0; c < columns; c++, bit++)
        {
          if (row[c] == label)
          {
            bytes[bit / 8] |= static_cast<Uint8>(1u << (bit % 8));
          }
        }
      }
    }

    d.insert(element.release(), true);
  }
}
