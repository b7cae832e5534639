#include "Iod/ParametricMapIod.h"

#include "Common/ConversionError.h"
#include "Dicom/Codes.h"
#include "Dicom/DicomValues.h"
#include "Dicom/DicomWriter.h"
#include "Iod/FrameAnatomy.h"
#include "Nifti/VoxelReader.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <nifti2_io.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

namespace NiftiToDicom
{
  namespace
  {
    const char* const IMAGE_TYPE = "DERIVED\\PRIMARY\\VOLUME\\NONE";

    void FiniteRange(double& minValue, double& maxValue, const SeriesPlan& plan)
    {
      VoxelReader reader(plan.GetVolume());
      const NiftiVolume& volume = plan.GetVolume();
      std::vector<double> row;
      minValue = std::numeric_limits<double>::infinity();
      maxValue = -std::numeric_limits<double>::infinity();
      for (int64_t t = 0; t < volume.GetTimePoints(); t++)
      {
        for (int64_t k = 0; k < volume.GetDepth(); k++)
        {
          for (int64_t r = 0; r < volume.GetHeight(); r++)
          {
            reader.ReadDicomRow(row, r, k, t);
            for (double v : row)
            {
              if (std::isfinite(v))
              {
                minValue = std::min(minValue, v);
                maxValue = std::max(maxValue, v);
              }
            }
          }
        }
      }
      if (minValue > maxValue)
      {
        minValue = maxValue = 0;  // nothing finite
      }
      const double floatMax = std::numeric_limits<float>::max();
      if (!plan.GetOptions().doublePrecision && (minValue < -floatMax || maxValue > floatMax))
      {
        // Converting them to float32 is undefined, and would give Inf
        throw ConversionError(ErrorKind::Unsupported,
                              "The values of the NIfTI (" + DicomValues::FormatDecimal(minValue) + " to " +
                              DicomValues::FormatDecimal(maxValue) + ") exceed the float32 range of Float Pixel "
                              "Data; add \"DoublePrecision\": true to store them as float64");
      }
    }

    // Frame VOI LUT: the window the NIfTI's cal_min/cal_max ask for, else the
    // range of the values
    void WriteVoiLut(DcmItem& shared, const SeriesPlan& plan, double minValue, double maxValue)
    {
      const NiftiHeader& header = plan.GetVolume().GetHeader();
      DcmItem& voi = DicomWriter::AppendItem(shared, DCM_FrameVOILUTSequence);
      DicomWriter::Put(voi, DCM_VOILUTFunction, "LINEAR_EXACT");   // float maps often span less than 1
      // Halves first, and a width capped at DBL_MAX: the sum or the
      // difference of two large values overflows, and DS has no Inf
      // Widths below FLT_MIN read back as 0 in float32 viewers (and in DCMTK)
      const double narrowest = std::numeric_limits<float>::min();
      if (std::isfinite(header.calMin) && std::isfinite(header.calMax) &&
          header.calMax - header.calMin >= narrowest && std::isfinite(header.calMax - header.calMin))
      {
        DicomWriter::Put(voi, DCM_WindowCenter, DicomValues::FormatDecimal(header.calMin / 2 + header.calMax / 2));
        DicomWriter::Put(voi, DCM_WindowWidth, DicomValues::FormatDecimal(header.calMax - header.calMin));
      }
      else
      {
        DicomWriter::Put(voi, DCM_WindowCenter, DicomValues::FormatDecimal(minValue / 2 + maxValue / 2));
        DicomWriter::Put(voi, DCM_WindowWidth, DicomValues::FormatDecimal(
                           std::min(std::max(maxValue - minValue, narrowest),
                                    std::numeric_limits<double>::max())));
      }
    }

    // Real World Value Mapping (C.7.6.16.2.11): identity, with the units
    void WriteRealWorldValueMapping(DcmItem& shared, const SeriesPlan& plan, double minValue, double maxValue)
    {
      const SeriesOptions& options = plan.GetOptions();
      const CodedConcept& units = options.units.IsEmpty() ? Codes::NoUnits() : options.units;
      DcmItem& mapping = DicomWriter::AppendItem(shared, DCM_RealWorldValueMappingSequence);

      // What the values are: the quantity, else a statistic the NIfTI intent names, else the units
      std::string explanation = options.quantity.IsEmpty() ? units.meaning : options.quantity.meaning;
      const int intent = plan.GetVolume().GetHeader().intentCode;
      if (options.quantity.IsEmpty() && intent >= NIFTI_FIRST_STATCODE && intent <= NIFTI_LAST_STATCODE)
      {
        explanation = std::string(nifti_intent_string(intent)) + " statistic";
      }
      DicomWriter::Put(mapping, DCM_LUTExplanation, DicomValues::TruncateUtf8(explanation, 64));
      DicomWriter::Put(mapping, DCM_LUTLabel, "NIFTI");
      mapping.putAndInsertFloat64(DCM_DoubleFloatRealWorldValueFirstValueMapped, minValue);
      mapping.putAndInsertFloat64(DCM_DoubleFloatRealWorldValueLastValueMapped, maxValue);
      mapping.putAndInsertFloat64(DCM_RealWorldValueIntercept, 0);
      mapping.putAndInsertFloat64(DCM_RealWorldValueSlope, 1);
      DicomWriter::AddCode(mapping, DCM_MeasurementUnitsCodeSequence, units);
      if (!options.quantity.IsEmpty())
      {
        DcmItem& quantity = DicomWriter::AppendItem(mapping, DCM_QuantityDefinitionSequence);
        DicomWriter::Put(quantity, DCM_ValueType, "CODE");
        DicomWriter::AddCode(quantity, DCM_ConceptNameCodeSequence, Codes::Quantity());
        DicomWriter::AddCode(quantity, DCM_ConceptCodeSequence, options.quantity);
      }
    }

    // The values of the frames, one after the other, into "target" (of no
    // particular alignment)
    template <typename Value>
    void CopyValues(uint8_t* target, const SeriesPlan& plan, const FrameLayout& layout)
    {
      VoxelReader reader(plan.GetVolume());
      std::vector<double> row;
      std::vector<Value> values;
      for (const Frame& frame : layout.frames)
      {
        for (int64_t r = 0; r < plan.GetGeometry().GetRows(); r++)
        {
          reader.ReadDicomRow(row, r, frame.k, frame.t);
          values.assign(row.begin(), row.end());
          memcpy(target, values.data(), values.size() * sizeof(Value));
          target += values.size() * sizeof(Value);
        }
      }
    }
  }


  void ParametricMapIod::GetRange(double& minValue, double& maxValue, const SeriesPlan& plan) const
  {
    std::lock_guard<std::mutex> lock(rangeMutex_);
    if (rangePlan_ != &plan)
    {
      FiniteRange(minValue_, maxValue_, plan);
      rangePlan_ = &plan;
    }
    minValue = minValue_;
    maxValue = maxValue_;
  }


  const char* ParametricMapIod::GetSopClassUid() const
  {
    return UID_ParametricMapStorage;
  }


  const char* ParametricMapIod::GetModality(const SeriesPlan& plan) const
  {
    return plan.GetModality();
  }


  void ParametricMapIod::AddImageModule(DcmDataset& d, const SeriesPlan& plan, const FrameLayout& layout) const
  {
    // Parametric Map Image module (C.8.32.2) with the Content Identification macro
    DicomWriter::Put(d, DCM_ImageType, IMAGE_TYPE);
    DicomWriter::Put(d, DCM_ContentQualification, "RESEARCH");
    d.insertEmptyElement(DCM_AcquisitionContextSequence);
    DicomWriter::Put(d, DCM_ContentLabel, "MAP");
    DicomWriter::Put(d, DCM_ContentDescription, plan.GetSeriesDescription());
    DicomWriter::Put(d, DCM_ContentCreatorName, "");
    DicomWriter::PutUint16(d, DCM_SamplesPerPixel, 1);
    DicomWriter::Put(d, DCM_PhotometricInterpretation, "MONOCHROME2");
    DicomWriter::PutUint16(d, DCM_BitsAllocated, plan.GetOptions().doublePrecision ? 64 : 32);
    DicomWriter::Put(d, DCM_PresentationLUTShape, "IDENTITY");
    DicomWriter::Put(d, DCM_LossyImageCompression, "00");
    DicomWriter::Put(d, DCM_BurnedInAnnotation, "NO");
    DicomWriter::Put(d, DCM_RecognizableVisualFeatures, "NO");
  }


  void ParametricMapIod::AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const
  {
    WriteFrameAnatomy(shared, plan);

    // The pixels are the values: identity transformation
    DcmItem& transformation = DicomWriter::AppendItem(shared, DCM_PixelValueTransformationSequence);
    DicomWriter::Put(transformation, DCM_RescaleIntercept, "0");
    DicomWriter::Put(transformation, DCM_RescaleSlope, "1");
    DicomWriter::Put(transformation, DCM_RescaleType, "US");

    double minValue, maxValue;
    GetRange(minValue, maxValue, plan);
    WriteVoiLut(shared, plan, minValue, maxValue);
    WriteRealWorldValueMapping(shared, plan, minValue, maxValue);

    DicomWriter::Put(DicomWriter::AppendItem(shared, DCM_ParametricMapFrameTypeSequence), DCM_FrameType, IMAGE_TYPE);
  }


  bool ParametricMapIod::GetPixelElement(DicomWriter::PixelElement& element, const SeriesPlan& plan,
                                         const FrameLayout& layout) const
  {
    element.tag = plan.GetOptions().doublePrecision ? DCM_DoubleFloatPixelData : DCM_FloatPixelData;
    element.vr = plan.GetOptions().doublePrecision ? EVR_OD : EVR_OF;
    element.bytes = GetFrameBytes(plan) * layout.frames.size();
    return true;
  }


  void ParametricMapIod::WritePixels(uint8_t* target, const SeriesPlan& plan, const FrameLayout& layout) const
  {
    if (plan.GetOptions().doublePrecision)
    {
      CopyValues<Float64>(target, plan, layout);
    }
    else
    {
      CopyValues<Float32>(target, plan, layout);
    }
  }
}
