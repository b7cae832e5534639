#include "Iod/MultiFrameIod.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomUid.h"
#include "Dicom/DicomValues.h"
#include "Dicom/SrgbIccProfile.h"
#include "Nifti/VoxelReader.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcvrod.h>
#include <dcmtk/dcmdata/dcvrof.h>

#include <nifti2_io.h>

#include <algorithm>
#include <cstring>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace NiftiToDicom
{
  namespace
  {
    void Put(DcmItem& item, const DcmTagKey& tag, const std::string& value)
    {
      DicomBuilder::Put(item, tag, value);
    }

    CodedConcept Code(const char* value, const char* scheme, const char* meaning)
    {
      CodedConcept code;
      code.value = value;
      code.scheme = scheme;
      code.meaning = meaning;
      return code;
    }

    // The NIfTI says nothing of anatomy: the whole body is the honest region
    const CodedConcept ENTIRE_BODY = Code("38266002", "SCT", "Entire body");
    const CodedConcept TISSUE = Code("85756007", "SCT", "Tissue");
    const CodedConcept NO_UNITS = Code("1", "UCUM", "no units");

    // Frame Anatomy macro: the NIfTI says nothing of laterality or region
    void AddFrameAnatomy(DcmItem& shared)
    {
      DcmItem& anatomy = DicomBuilder::AppendItem(shared, DCM_FrameAnatomySequence);
      Put(anatomy, DCM_FrameLaterality, "U");
      DicomBuilder::AddCode(anatomy, DCM_AnatomicRegionSequence, ENTIRE_BODY);
    }

    // The RGB24 voxels of the frames, as they are (PlanarConfiguration 0)
    void InsertRgbFrames(DcmDataset& d, const NiftiVolume& volume, const std::vector<Frame>& frames)
    {
      const size_t rowBytes = static_cast<size_t>(volume.GetWidth()) * 3;
      const size_t total = rowBytes * static_cast<size_t>(volume.GetHeight()) * frames.size();

      std::unique_ptr<DcmPixelData> element(new DcmPixelData(DCM_PixelData));
      element->setVR(EVR_OB);
      Uint8* bytes = nullptr;
      if (element->createUint8Array(static_cast<unsigned long>(total + (total % 2)), bytes).bad())
      {
        throw ConversionError(ErrorKind::Internal, "Cannot allocate the Pixel Data");
      }
      if (total % 2 != 0)
      {
        bytes[total] = 0;   // even length
      }

      for (const Frame& frame : frames)
      {
        for (int64_t r = 0; r < volume.GetHeight(); r++)
        {
          // DICOM rows run opposite to NIfTI's j axis (see SeriesGeometry)
          memcpy(bytes, volume.GetRow(volume.GetHeight() - 1 - r, frame.k, frame.t), rowBytes);
          bytes += rowBytes;
        }
      }
      d.insert(element.release(), true);
    }

    void PutRgbPixelModule(DcmDataset& d)
    {
      DicomBuilder::PutUint16(d, DCM_SamplesPerPixel, 3);
      Put(d, DCM_PhotometricInterpretation, "RGB");
      DicomBuilder::PutUint16(d, DCM_PlanarConfiguration, 0);   // RGBRGB..., as NIfTI RGB24 stores it
      DicomBuilder::PutUint16(d, DCM_BitsAllocated, 8);
      DicomBuilder::PutUint16(d, DCM_BitsStored, 8);
      DicomBuilder::PutUint16(d, DCM_HighBit, 7);
      DicomBuilder::PutUint16(d, DCM_PixelRepresentation, 0);
    }

    struct SegmentLayout : public FrameLayout
    {
      std::vector<int64_t> labels;   // label value of segment number i + 1
    };

    void FiniteRange(double& minValue, double& maxValue, const SeriesPlan& plan)
    {
      const VoxelReader reader(plan.GetVolume());
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
    }
  }


  std::unique_ptr<FrameLayout> MultiFrameIod::ListFrames(const SeriesPlan& plan) const
  {
    std::unique_ptr<FrameLayout> layout(new FrameLayout);
    for (int64_t t = 0; t < plan.GetTimePointCount(); t++)
    {
      for (int64_t k = 0; k < plan.GetSliceCount(); k++)
      {
        Frame frame;
        frame.k = k;
        frame.t = t;
        layout->frames.push_back(frame);
      }
    }
    return layout;
  }


  std::vector<MultiFrameIod::Dimension> MultiFrameIod::GetDimensions(const SeriesPlan& plan) const
  {
    std::vector<Dimension> dimensions;
    if (plan.GetTimePointCount() > 1)
    {
      dimensions.push_back({ DCM_TemporalPositionIndex, DCM_FrameContentSequence, "Temporal Position Index" });
    }
    dimensions.push_back({ DCM_ImagePositionPatient, DCM_PlanePositionSequence, "Image Position Patient" });
    return dimensions;
  }


  std::vector<Uint32> MultiFrameIod::GetDimensionIndexValues(const SeriesPlan& plan, const Frame& frame) const
  {
    std::vector<Uint32> values;
    if (plan.GetTimePointCount() > 1)
    {
      values.push_back(static_cast<Uint32>(frame.t + 1));
    }
    values.push_back(static_cast<Uint32>(frame.k + 1));
    return values;
  }


  void MultiFrameIod::AddFrameContent(DcmItem& content, const SeriesPlan& plan, const Frame& frame) const
  {
    Put(content, DCM_StackID, "1");
    content.putAndInsertUint32(DCM_InStackPositionNumber, static_cast<Uint32>(frame.k + 1));
    if (plan.GetTimePointCount() > 1)
    {
      content.putAndInsertUint32(DCM_TemporalPositionIndex, static_cast<Uint32>(frame.t + 1));
    }
  }


  void MultiFrameIod::BuildInstance(std::string& file, std::string& scratch, const SeriesPlan& plan,
                                    int64_t index) const
  {
    const SeriesGeometry& geometry = plan.GetGeometry();
    const std::unique_ptr<FrameLayout> layout = ListFrames(plan);

    DcmFileFormat fileFormat;
    DcmDataset& d = *fileFormat.getDataset();

    DicomBuilder::AddCommonModules(d, plan, GetSopClassUid(), GetModality(plan));

    // Enhanced General Equipment: Type 1, this plugin made the instance
    Put(d, DCM_Manufacturer, "Orthanc NIfTI-to-DICOM");
    Put(d, DCM_ManufacturerModelName, "nifti-to-dicom");
    Put(d, DCM_DeviceSerialNumber, "1");

    Put(d, DCM_InstanceNumber, "1");
    Put(d, DCM_NumberOfFrames, std::to_string(layout->frames.size()));
    DicomBuilder::PutUint16(d, DCM_Rows, geometry.GetRows());
    DicomBuilder::PutUint16(d, DCM_Columns, geometry.GetColumns());
    AddImageModule(d, plan, *layout);

    // Multi-frame Dimension module
    const std::string organization = DicomUid::Generate();
    Put(DicomBuilder::AppendItem(d, DCM_DimensionOrganizationSequence), DCM_DimensionOrganizationUID, organization);
    Put(d, DCM_DimensionOrganizationType, plan.GetTimePointCount() > 1 ? "3D_TEMPORAL" : "3D");
    for (const Dimension& dimension : GetDimensions(plan))
    {
      DcmItem& item = DicomBuilder::AppendItem(d, DCM_DimensionIndexSequence);
      Put(item, DCM_DimensionOrganizationUID, organization);
      item.putAndInsertTagKey(DCM_DimensionIndexPointer, dimension.indexPointer);
      item.putAndInsertTagKey(DCM_FunctionalGroupPointer, dimension.groupPointer);
      Put(item, DCM_DimensionDescriptionLabel, dimension.label);
    }

    // Shared functional groups: what is the same for every frame
    DcmItem& shared = DicomBuilder::AppendItem(d, DCM_SharedFunctionalGroupsSequence);
    {
      DcmItem& measures = DicomBuilder::AppendItem(shared, DCM_PixelMeasuresSequence);
      Put(measures, DCM_PixelSpacing, DicomValues::FormatDecimals({ geometry.GetRowSpacing(),
                                                                     geometry.GetColumnSpacing() }));
      Put(measures, DCM_SliceThickness, DicomValues::FormatDecimal(geometry.GetSliceSpacing()));
      Put(measures, DCM_SpacingBetweenSlices, DicomValues::FormatDecimal(geometry.GetSliceSpacing()));

      const Vector3& x = geometry.GetRowDirection();
      const Vector3& y = geometry.GetColumnDirection();
      Put(DicomBuilder::AppendItem(shared, DCM_PlaneOrientationSequence), DCM_ImageOrientationPatient,
          DicomValues::FormatDecimals({ x[0], x[1], x[2], y[0], y[1], y[2] }));
    }
    AddSharedGroups(shared, plan);

    // Derivation Image macro: the images of the reference series it comes from
    const SeriesOptions& options = plan.GetOptions();
    if (options.hasReference && !options.reference.images.empty())
    {
      DcmItem& derivation = DicomBuilder::AppendItem(shared, DCM_DerivationImageSequence);
      DicomBuilder::AddCode(derivation, DCM_DerivationCodeSequence,
                            options.iod == IodType::Segmentation ? Code("113076", "DCM", "Segmentation") :
                            Code("110001", "DCM", "Image Processing"));
      DicomBuilder::AddSourceImages(derivation, plan, -1);
    }

    // Per-frame functional groups
    for (const Frame& frame : layout->frames)
    {
      DcmItem& perFrame = DicomBuilder::AppendItem(d, DCM_PerFrameFunctionalGroupsSequence);

      DcmItem& content = DicomBuilder::AppendItem(perFrame, DCM_FrameContentSequence);
      const std::vector<Uint32> indices = GetDimensionIndexValues(plan, frame);
      content.putAndInsertUint32Array(DCM_DimensionIndexValues, indices.data(),
                                      static_cast<unsigned long>(indices.size()));
      AddFrameContent(content, plan, frame);

      const Vector3 position = geometry.GetSlicePosition(frame.k);
      Put(DicomBuilder::AppendItem(perFrame, DCM_PlanePositionSequence), DCM_ImagePositionPatient,
          DicomValues::FormatDecimals({ position[0], position[1], position[2] }));

      AddFrameGroups(perFrame, plan, frame);
    }

    plan.GetOptions().tags.ApplyTo(d);

    AddPixelData(d, plan, *layout);
    DicomBuilder::WritePart10(file, fileFormat);
  }


  // --- Parametric Map -----------------------------------------------------

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
    Put(d, DCM_ImageType, "DERIVED\\PRIMARY\\VOLUME\\NONE");
    Put(d, DCM_ContentQualification, "RESEARCH");
    d.insertEmptyElement(DCM_AcquisitionContextSequence);
    Put(d, DCM_ContentLabel, "MAP");
    Put(d, DCM_ContentDescription, plan.GetSeriesDescription());
    Put(d, DCM_ContentCreatorName, "");
    DicomBuilder::PutUint16(d, DCM_SamplesPerPixel, 1);
    Put(d, DCM_PhotometricInterpretation, "MONOCHROME2");
    DicomBuilder::PutUint16(d, DCM_BitsAllocated, plan.GetOptions().doublePrecision ? 64 : 32);
    Put(d, DCM_PresentationLUTShape, "IDENTITY");
    Put(d, DCM_LossyImageCompression, "00");
    Put(d, DCM_BurnedInAnnotation, "NO");
    Put(d, DCM_RecognizableVisualFeatures, "NO");
  }


  void ParametricMapIod::AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const
  {
    const SeriesOptions& options = plan.GetOptions();

    AddFrameAnatomy(shared);

    // The pixels are the values: identity transformation
    DcmItem& transformation = DicomBuilder::AppendItem(shared, DCM_PixelValueTransformationSequence);
    Put(transformation, DCM_RescaleIntercept, "0");
    Put(transformation, DCM_RescaleSlope, "1");
    Put(transformation, DCM_RescaleType, "US");

    double minValue, maxValue;
    FiniteRange(minValue, maxValue, plan);

    const NiftiHeader& header = plan.GetVolume().GetHeader();
    DcmItem& voi = DicomBuilder::AppendItem(shared, DCM_FrameVOILUTSequence);
    Put(voi, DCM_VOILUTFunction, "LINEAR_EXACT");   // float maps often span less than 1
    if (std::isfinite(header.calMin) && std::isfinite(header.calMax) && header.calMax > header.calMin)
    {
      Put(voi, DCM_WindowCenter, DicomValues::FormatDecimal((header.calMin + header.calMax) / 2));
      Put(voi, DCM_WindowWidth, DicomValues::FormatDecimal(header.calMax - header.calMin));
    }
    else
    {
      Put(voi, DCM_WindowCenter, DicomValues::FormatDecimal((minValue + maxValue) / 2));
      Put(voi, DCM_WindowWidth, DicomValues::FormatDecimal(std::max(maxValue - minValue,
                                                                    std::numeric_limits<double>::min())));
    }

    // Real World Value Mapping (C.7.6.16.2.11): identity, with the units
    const CodedConcept units = options.units.IsEmpty() ? NO_UNITS : options.units;
    DcmItem& mapping = DicomBuilder::AppendItem(shared, DCM_RealWorldValueMappingSequence);
    // What the values are: the quantity, else a statistic the NIfTI intent names, else the units
    std::string explanation = options.quantity.IsEmpty() ? units.meaning : options.quantity.meaning;
    const int intent = plan.GetVolume().GetHeader().intentCode;
    if (options.quantity.IsEmpty() && intent >= NIFTI_FIRST_STATCODE && intent <= NIFTI_LAST_STATCODE)
    {
      explanation = std::string(nifti_intent_string(intent)) + " statistic";
    }
    Put(mapping, DCM_LUTExplanation, DicomValues::TruncateUtf8(explanation, 64));
    Put(mapping, DCM_LUTLabel, "NIFTI");
    mapping.putAndInsertFloat64(DCM_DoubleFloatRealWorldValueFirstValueMapped, minValue);
    mapping.putAndInsertFloat64(DCM_DoubleFloatRealWorldValueLastValueMapped, maxValue);
    mapping.putAndInsertFloat64(DCM_RealWorldValueIntercept, 0);
    mapping.putAndInsertFloat64(DCM_RealWorldValueSlope, 1);
    DicomBuilder::AddCode(mapping, DCM_MeasurementUnitsCodeSequence, units);
    if (!options.quantity.IsEmpty())
    {
      DcmItem& quantity = DicomBuilder::AppendItem(mapping, DCM_QuantityDefinitionSequence);
      Put(quantity, DCM_ValueType, "CODE");
      DicomBuilder::AddCode(quantity, DCM_ConceptNameCodeSequence, Code("246205007", "SCT", "Quantity"));
      DicomBuilder::AddCode(quantity, DCM_ConceptCodeSequence, options.quantity);
    }

    Put(DicomBuilder::AppendItem(shared, DCM_ParametricMapFrameTypeSequence), DCM_FrameType,
        "DERIVED\\PRIMARY\\VOLUME\\NONE");
  }


  void ParametricMapIod::AddPixelData(DcmDataset& d, const SeriesPlan& plan, const FrameLayout& layout) const
  {
    const VoxelReader reader(plan.GetVolume());
    const int64_t rows = plan.GetGeometry().GetRows();
    const int64_t columns = plan.GetGeometry().GetColumns();
    const unsigned long count = static_cast<unsigned long>(layout.frames.size() * rows * columns);
    std::vector<double> row;

    // Written straight into DCMTK's buffer: no second copy of the volume
    if (plan.GetOptions().doublePrecision)
    {
      std::unique_ptr<DcmOtherDouble> element(new DcmOtherDouble(DCM_DoubleFloatPixelData));
      Float64* values = nullptr;
      if (element->createFloat64Array(count, values).bad())
      {
        throw ConversionError(ErrorKind::Internal, "Cannot allocate the Double Float Pixel Data");
      }
      for (const Frame& frame : layout.frames)
      {
        for (int64_t r = 0; r < rows; r++)
        {
          reader.ReadDicomRow(row, r, frame.k, frame.t);
          values = std::copy(row.begin(), row.end(), values);
        }
      }
      d.insert(element.release(), true);
    }
    else
    {
      std::unique_ptr<DcmOtherFloat> element(new DcmOtherFloat(DCM_FloatPixelData));
      Float32* values = nullptr;
      if (element->createFloat32Array(count, values).bad())
      {
        throw ConversionError(ErrorKind::Internal, "Cannot allocate the Float Pixel Data");
      }
      for (const Frame& frame : layout.frames)
      {
        for (int64_t r = 0; r < rows; r++)
        {
          reader.ReadDicomRow(row, r, frame.k, frame.t);
          for (double v : row)
          {
            *values++ = static_cast<Float32>(v);
          }
        }
      }
      d.insert(element.release(), true);
    }
  }


  // --- Enhanced MR ---------------------------------------------------------

  namespace
  {
    const char* const ENHANCED_IMAGE_TYPE = "DERIVED\\PRIMARY\\VOLUME\\NONE";

    // Common CT/MR and MR Image Description macros: what the image is
    void AddMrImageDescription(DcmItem& item, const char* pixelPresentation = "MONOCHROME")
    {
      Put(item, DCM_PixelPresentation, pixelPresentation);
      Put(item, DCM_VolumetricProperties, "VOLUME");
      Put(item, DCM_VolumeBasedCalculationTechnique, "NONE");
      Put(item, DCM_ComplexImageComponent, "MAGNITUDE");
      Put(item, DCM_AcquisitionContrast, "UNKNOWN");
    }

    void AddMrFrameType(DcmItem& shared, const char* pixelPresentation)
    {
      DcmItem& frameType = DicomBuilder::AppendItem(shared, DCM_MRImageFrameTypeSequence);
      Put(frameType, DCM_FrameType, ENHANCED_IMAGE_TYPE);
      AddMrImageDescription(frameType, pixelPresentation);
    }
  }


  const char* EnhancedMrImageIod::GetSopClassUid() const
  {
    return UID_EnhancedMRImageStorage;
  }


  const char* EnhancedMrImageIod::GetModality(const SeriesPlan& plan) const
  {
    return "MR";
  }


  void EnhancedMrImageIod::AddImageModule(DcmDataset& d, const SeriesPlan& plan, const FrameLayout& layout) const
  {
    const PixelEncoder& encoder = plan.GetEncoder();
    Put(d, DCM_ImageType, ENHANCED_IMAGE_TYPE);
    AddMrImageDescription(d);
    Put(d, DCM_ContentQualification, "RESEARCH");
    d.insertEmptyElement(DCM_AcquisitionContextSequence);
    DicomBuilder::PutUint16(d, DCM_SamplesPerPixel, 1);
    Put(d, DCM_PhotometricInterpretation, "MONOCHROME2");
    DicomBuilder::PutUint16(d, DCM_BitsAllocated, 16);
    DicomBuilder::PutUint16(d, DCM_BitsStored, 16);
    DicomBuilder::PutUint16(d, DCM_HighBit, 15);
    DicomBuilder::PutUint16(d, DCM_PixelRepresentation, encoder.IsSigned() ? 1 : 0);
    Put(d, DCM_PresentationLUTShape, "IDENTITY");
    Put(d, DCM_BurnedInAnnotation, "NO");
    Put(d, DCM_LossyImageCompression, "00");
    Put(d, DCM_PatientPosition, "");                  // Type 2C: unknown for a derived volume
    Put(d, DCM_ApplicableSafetyStandardAgency, "IEC");
  }


  void EnhancedMrImageIod::AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const
  {
    const PixelEncoder& encoder = plan.GetEncoder();

    AddFrameAnatomy(shared);

    DcmItem& transformation = DicomBuilder::AppendItem(shared, DCM_PixelValueTransformationSequence);
    Put(transformation, DCM_RescaleIntercept, DicomValues::FormatDecimal(encoder.GetRescaleIntercept()));
    Put(transformation, DCM_RescaleSlope, DicomValues::FormatDecimal(encoder.GetRescaleSlope()));
    Put(transformation, DCM_RescaleType, "US");

    DcmItem& voi = DicomBuilder::AppendItem(shared, DCM_FrameVOILUTSequence);
    Put(voi, DCM_WindowCenter, DicomValues::FormatDecimal(encoder.GetWindowCenter()));
    Put(voi, DCM_WindowWidth, DicomValues::FormatDecimal(encoder.GetWindowWidth()));

    AddMrFrameType(shared, "MONOCHROME");
  }


  void EnhancedMrImageIod::AddPixelData(DcmDataset& d, const SeriesPlan& plan, const FrameLayout& layout) const
  {
    const PixelEncoder& encoder = plan.GetEncoder();
    const size_t frameSize = static_cast<size_t>(plan.GetGeometry().GetRows() * plan.GetGeometry().GetColumns());

    std::unique_ptr<DcmPixelData> element(new DcmPixelData(DCM_PixelData));
    element->setVR(EVR_OW);
    Uint16* pixels = nullptr;
    if (element->createUint16Array(static_cast<unsigned long>(frameSize * layout.frames.size()), pixels).bad())
    {
      throw ConversionError(ErrorKind::Internal, "Cannot allocate the Pixel Data");
    }

    std::string slice;
    for (const Frame& frame : layout.frames)
    {
      encoder.EncodeSlice(slice, frame.k, frame.t);
      memcpy(pixels, slice.data(), frameSize * 2);
      pixels += frameSize;
    }
    d.insert(element.release(), true);
  }


  // --- Enhanced MR Color ---------------------------------------------------

  const char* EnhancedMrColorImageIod::GetSopClassUid() const
  {
    return UID_EnhancedMRColorImageStorage;
  }


  const char* EnhancedMrColorImageIod::GetModality(const SeriesPlan& plan) const
  {
    return "MR";
  }


  void EnhancedMrColorImageIod::AddImageModule(DcmDataset& d, const SeriesPlan& plan, const FrameLayout& layout) const
  {
    Put(d, DCM_ImageType, ENHANCED_IMAGE_TYPE);
    AddMrImageDescription(d, "TRUE_COLOR");
    Put(d, DCM_ContentQualification, "RESEARCH");
    d.insertEmptyElement(DCM_AcquisitionContextSequence);
    PutRgbPixelModule(d);
    Put(d, DCM_PresentationLUTShape, "IDENTITY");
    Put(d, DCM_BurnedInAnnotation, "NO");
    Put(d, DCM_LossyImageCompression, "00");
    Put(d, DCM_PatientPosition, "");
    Put(d, DCM_ApplicableSafetyStandardAgency, "IEC");

    // ICC Profile module: the colours are sRGB
    const std::string& profile = SrgbIccProfile::Get();
    d.putAndInsertUint8Array(DCM_ICCProfile, reinterpret_cast<const Uint8*>(profile.data()),
                             static_cast<unsigned long>(profile.size()));
    Put(d, DCM_ColorSpace, "SRGB");
  }


  void EnhancedMrColorImageIod::AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const
  {
    AddFrameAnatomy(shared);

    AddMrFrameType(shared, "TRUE_COLOR");
  }


  void EnhancedMrColorImageIod::AddPixelData(DcmDataset& d, const SeriesPlan& plan, const FrameLayout& layout) const
  {
    InsertRgbFrames(d, plan.GetVolume(), layout.frames);
  }


  // --- Multi-frame True Color Secondary Capture ------------------------------

  void TrueColorSecondaryCaptureIod::BuildInstance(std::string& file, std::string& scratch, const SeriesPlan& plan,
                                                   int64_t index) const
  {
    DcmFileFormat fileFormat;
    DcmDataset& d = *fileFormat.getDataset();

    DicomBuilder::AddCommonModules(d, plan, UID_MultiframeTrueColorSecondaryCaptureImageStorage, "OT");
    d.findAndDeleteElement(DCM_FrameOfReferenceUID);          // no Frame of Reference module in this IOD
    d.findAndDeleteElement(DCM_PositionReferenceIndicator);

    Put(d, DCM_Laterality, "");                               // Type 2C: unknown
    Put(d, DCM_ConversionType, "WSD");                        // SC Equipment: made on a workstation
    Put(d, DCM_ImageType, "DERIVED\\SECONDARY");
    Put(d, DCM_InstanceNumber, "1");
    Put(d, DCM_PatientOrientation, "");
    Put(d, DCM_BurnedInAnnotation, "NO");
    PutRgbPixelModule(d);
    DicomBuilder::PutUint16(d, DCM_Rows, plan.GetGeometry().GetRows());
    DicomBuilder::PutUint16(d, DCM_Columns, plan.GetGeometry().GetColumns());

    // Frames t-major; the slice locations are what is left of the geometry
    std::vector<Frame> frames;
    std::vector<double> locations;
    for (int64_t t = 0; t < plan.GetTimePointCount(); t++)
    {
      for (int64_t k = 0; k < plan.GetSliceCount(); k++)
      {
        Frame frame;
        frame.k = k;
        frame.t = t;
        frames.push_back(frame);
        locations.push_back(plan.GetGeometry().GetSliceLocation(k));
      }
    }
    Put(d, DCM_NumberOfFrames, std::to_string(frames.size()));
    d.putAndInsertTagKey(DCM_FrameIncrementPointer, DCM_SliceLocationVector);
    Put(d, DCM_SliceLocationVector, DicomValues::FormatDecimals(locations));

    plan.GetOptions().tags.ApplyTo(d);
    InsertRgbFrames(d, plan.GetVolume(), frames);
    DicomBuilder::WritePart10(file, fileFormat);
  }


  // --- Segmentation -------------------------------------------------------

  const char* SegmentationIod::GetSopClassUid() const
  {
    return UID_SegmentationStorage;
  }


  const char* SegmentationIod::GetModality(const SeriesPlan& plan) const
  {
    return "SEG";
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

    // Which labels appear on which slices
    const VoxelReader reader(volume);
    std::map<int64_t, std::set<int64_t> > slicesOfLabel;
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
          slicesOfLabel[static_cast<int64_t>(v)].insert(k);
        }
      }
    }

    if (slicesOfLabel.empty())
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The label map is empty (every voxel is 0): a segmentation needs at least one label");
    }

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
    double linear[3];
    for (int i = 0; i < 3; i++)
    {
      const double c = rgb[i] / 255.0;
      linear[i] = (c <= 0.04045) ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
    }

    // sRGB -> XYZ, normalised by the D65 white point
    const double x = (0.4124564 * linear[0] + 0.3575761 * linear[1] + 0.1804375 * linear[2]) / 0.95047;
    const double y = (0.2126729 * linear[0] + 0.7151522 * linear[1] + 0.0721750 * linear[2]) / 1.0;
    const double z = (0.0193339 * linear[0] + 0.1191920 * linear[1] + 0.9503041 * linear[2]) / 1.08883;

    auto f = [](double t)
    {
      return (t > 216.0 / 24389.0) ? std::cbrt(t) : (t * 24389.0 / 27.0 + 16.0) / 116.0;
    };
    const double l = 116.0 * f(y) - 16.0;
    const double a = 500.0 * (f(x) - f(y));
    const double b = 200.0 * (f(y) - f(z));

    auto scale = [](double v, double low, double high)
    {
      const double s = std::round((v - low) / (high - low) * 65535.0);
      return static_cast<Uint16>(std::min(65535.0, std::max(0.0, s)));
    };
    lab[0] = scale(l, 0, 100);
    lab[1] = scale(a, -128, 127);
    lab[2] = scale(b, -128, 127);
  }


  void SegmentationIod::AddImageModule(DcmDataset& d, const SeriesPlan& plan, const FrameLayout& layout) const
  {
    const SegmentLayout& segments = dynamic_cast<const SegmentLayout&>(layout);
    const SeriesOptions& options = plan.GetOptions();

    // Segmentation Image module (C.8.20.2)
    Put(d, DCM_ImageType, "DERIVED\\PRIMARY");
    Put(d, DCM_ContentLabel, "SEGMENTATION");
    Put(d, DCM_ContentDescription, plan.GetSeriesDescription());
    Put(d, DCM_ContentCreatorName, "");
    DicomBuilder::PutUint16(d, DCM_SamplesPerPixel, 1);
    Put(d, DCM_PhotometricInterpretation, "MONOCHROME2");
    DicomBuilder::PutUint16(d, DCM_PixelRepresentation, 0);
    DicomBuilder::PutUint16(d, DCM_BitsAllocated, 1);
    DicomBuilder::PutUint16(d, DCM_BitsStored, 1);
    DicomBuilder::PutUint16(d, DCM_HighBit, 0);
    Put(d, DCM_LossyImageCompression, "00");
    Put(d, DCM_SegmentationType, "BINARY");

    for (size_t i = 0; i < segments.labels.size(); i++)
    {
      const int64_t value = segments.labels[i];
      DcmItem& segment = DicomBuilder::AppendItem(d, DCM_SegmentSequence);
      DicomBuilder::PutUint16(segment, DCM_SegmentNumber, static_cast<int64_t>(i + 1));

      std::string name = "Label " + std::to_string(value);
      auto found = options.labels.find(value);
      if (found != options.labels.end() && !found->second.name.empty())
      {
        name = DicomValues::TruncateUtf8(found->second.name, 64);
      }
      Put(segment, DCM_SegmentLabel, name);
      Put(segment, DCM_SegmentDescription, "NIfTI label value " + std::to_string(value));
      Put(segment, DCM_SegmentAlgorithmType, "AUTOMATIC");
      Put(segment, DCM_SegmentAlgorithmName, "NIfTI label map");
      DicomBuilder::AddCode(segment, DCM_SegmentedPropertyCategoryCodeSequence, TISSUE);
      DicomBuilder::AddCode(segment, DCM_SegmentedPropertyTypeCodeSequence, TISSUE);

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
    DcmItem& identification = DicomBuilder::AppendItem(perFrame, DCM_SegmentIdentificationSequence);
    DicomBuilder::PutUint16(identification, DCM_ReferencedSegmentNumber, frame.segment);
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
