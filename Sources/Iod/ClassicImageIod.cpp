#include "Iod/ClassicImageIod.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomValues.h"
#include "Dicom/DicomWriter.h"
#include "Dicom/Modules.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

namespace NiftiToDicom
{
  namespace
  {
    void Put(DcmItem& item, const DcmTagKey& tag, const std::string& value)
    {
      DicomWriter::Put(item, tag, value);
    }

    void PutUint16(DcmItem& item, const DcmTagKey& tag, int64_t value)
    {
      DicomWriter::PutUint16(item, tag, value);
    }

    std::string FormatInteger(int64_t value)
    {
      return std::to_string(value);
    }

    bool IsDate(const std::string& value)
    {
      if (value.size() != 8)
      {
        return false;
      }
      for (char c : value)
      {
        if (c < '0' || c > '9')
        {
          return false;
        }
      }
      return true;
    }


    // Acquisition metadata: the sidecar's, except what the request decides
    // (the series' number and description) and an InversionTime that DICOM
    // allows only for inversion-recovery sequences
    void WriteSidecarAttributes(DcmDataset& d, const SeriesPlan& plan)
    {
      const BidsSidecar& sidecar = plan.GetOptions().sidecar;
      for (const auto& attribute : sidecar.GetAttributes())
      {
        const DcmTagKey& tag = attribute.first;
        if (tag != DCM_SeriesNumber &&
            tag != DCM_SeriesDescription &&
            (tag != DCM_InversionTime || plan.IsInversionTimeAllowed()))
        {
          Put(d, tag, attribute.second);
        }
      }

      // Readers (dcm2niix among them) drop an AcquisitionTime without its
      // date. dcm2niix's sidecars give the date only in AcquisitionDateTime,
      // which they leave out by default: the scanner's acquisition was on
      // the day of its study then, the parent's StudyDate (if it is a date)
      std::string time;
      std::string date;
      const std::string studyDate = plan.GetParent().GetString(DCM_StudyDate);
      if (sidecar.Lookup(time, DCM_AcquisitionTime) &&
          !sidecar.Lookup(date, DCM_AcquisitionDate) &&
          IsDate(studyDate))
      {
        Put(d, DCM_AcquisitionDate, studyDate);
      }
    }

    // Laterality is Type 2C (PS3.3 C.7.3.1): with a known body part, only
    // for a paired one, which the NIfTI cannot tell; else empty, unknown
    bool IsLateralityRequired(const SeriesPlan& plan)
    {
      std::string bodyPart;
      return !plan.GetOptions().sidecar.Lookup(bodyPart, DCM_BodyPartExamined) || bodyPart.empty();
    }
  }


  int64_t ClassicImageIod::GetInstanceCount(const SeriesPlan& plan) const
  {
    return plan.GetSliceCount() * plan.GetTimePointCount();
  }


  void ClassicImageIod::BuildInstance(std::string& file, std::string& pixels, const SeriesPlan& plan,
                                      int64_t index) const
  {
    BuildSlice(file, pixels, plan, index % plan.GetSliceCount(), index / plan.GetSliceCount());
  }


  void ClassicImageIod::BuildSlice(std::string& file, std::string& pixels, const SeriesPlan& plan,
                                   int64_t k, int64_t t) const
  {
    const SeriesGeometry& geometry = plan.GetGeometry();
    const PixelEncoder& encoder = plan.GetEncoder();

    DcmFileFormat fileFormat;
    DcmDataset& d = *fileFormat.getDataset();

    Modules::WriteSopCommon(d, plan, GetSopClassUid());
    Modules::WriteContributingEquipment(d, plan);
    Modules::WritePatientAndStudy(d, plan);
    Modules::WriteGeneralSeries(d, plan, GetModality());
    Put(d, DCM_PatientPosition, "");   // General Series, Type 2C: unknown for a derived volume
    if (IsLateralityRequired(plan))
    {
      Put(d, DCM_Laterality, "");
    }
    Modules::WriteFrameOfReference(d, plan);
    Modules::WriteGeneralEquipment(d);
    Modules::WriteCommonInstanceReference(d, plan);

    // General Image
    Put(d, DCM_InstanceNumber, FormatInteger(t * plan.GetSliceCount() + k + 1));
    Modules::WriteImageDerivation(d, plan);
    Modules::WriteSourceImages(d, plan, k);

    // Image Plane
    const Vector3 position = geometry.GetSlicePosition(k);
    const Vector3& x = geometry.GetRowDirection();
    const Vector3& y = geometry.GetColumnDirection();
    Put(d, DCM_PixelSpacing, DicomValues::FormatDecimals({ geometry.GetRowSpacing(), geometry.GetColumnSpacing() }));
    Put(d, DCM_ImageOrientationPatient, DicomValues::FormatDecimals({ x[0], x[1], x[2], y[0], y[1], y[2] }));
    Put(d, DCM_ImagePositionPatient, DicomValues::FormatDecimals({ position[0], position[1], position[2] }));
    Put(d, DCM_SliceThickness, DicomValues::FormatDecimal(geometry.GetSliceSpacing()));
    Put(d, DCM_SliceLocation, DicomValues::FormatDecimal(geometry.GetSliceLocation(k)));

    if (plan.GetTimePointCount() > 1)
    {
      Put(d, DCM_TemporalPositionIdentifier, FormatInteger(t + 1));
      Put(d, DCM_NumberOfTemporalPositions, FormatInteger(plan.GetTimePointCount()));
    }

    // Image Pixel
    PutUint16(d, DCM_SamplesPerPixel, 1);
    Put(d, DCM_PhotometricInterpretation, "MONOCHROME2");
    PutUint16(d, DCM_Rows, geometry.GetRows());
    PutUint16(d, DCM_Columns, geometry.GetColumns());
    PutUint16(d, DCM_BitsAllocated, 16);
    PutUint16(d, DCM_BitsStored, 16);
    PutUint16(d, DCM_HighBit, 15);
    PutUint16(d, DCM_PixelRepresentation, encoder.IsSigned() ? 1 : 0);

    // VOI LUT
    Put(d, DCM_WindowCenter, DicomValues::FormatDecimal(encoder.GetWindowCenter()));
    Put(d, DCM_WindowWidth, DicomValues::FormatDecimal(encoder.GetWindowWidth()));

    AddModalityModule(d, plan, t);

    // What the sidecar and the diffusion table know of the acquisition
    // supersedes the defaults of the modules above
    WriteSidecarAttributes(d, plan);
    const SeriesOptions& options = plan.GetOptions();
    if (options.diffusion && options.iod == IodType::MrImage)
    {
      options.diffusion->ApplyTo(d, t, geometry.GetAffine());
    }

    options.tags.ApplyTo(d);

    encoder.EncodeSlice(pixels, k, t);
    const OFCondition status = d.putAndInsertUint16Array(DCM_PixelData,
                                                        reinterpret_cast<const Uint16*>(pixels.data()),
                                                        static_cast<unsigned long>(pixels.size() / 2));
    if (status.bad())
    {
      throw ConversionError(ErrorKind::Internal, std::string("Cannot set the pixel data: ") + status.text());
    }

    DicomWriter::WritePart10(file, fileFormat);
  }


  const char* MrImageIod::GetSopClassUid() const
  {
    return UID_MRImageStorage;
  }


  void MrImageIod::AddModalityModule(DcmDataset& d, const SeriesPlan& plan, int64_t t) const
  {
    // MR Image module (PS3.3 C.8.3.1): the acquisition attributes are unknown
    // for a derived volume, so Type 2 ones are present and empty.
    Put(d, DCM_ImageType, "DERIVED\\SECONDARY\\OTHER");
    Put(d, DCM_ScanningSequence, "RM");
    Put(d, DCM_SequenceVariant, "NONE");
    Put(d, DCM_ScanOptions, "");
    Put(d, DCM_MRAcquisitionType, "");
    Put(d, DCM_EchoTime, "");
    Put(d, DCM_EchoTrainLength, "");
    Put(d, DCM_RepetitionTime, plan.GetRepetitionTimeMs() > 0 ?
        DicomValues::FormatDecimal(plan.GetRepetitionTimeMs()) : std::string());
    Put(d, DCM_SpacingBetweenSlices, DicomValues::FormatDecimal(plan.GetGeometry().GetSliceSpacing()));

    const PixelEncoder& encoder = plan.GetEncoder();
    if (encoder.GetRescaleSlope() != 1 || encoder.GetRescaleIntercept() != 0)
    {
      Put(d, DCM_RescaleIntercept, DicomValues::FormatDecimal(encoder.GetRescaleIntercept()));
      Put(d, DCM_RescaleSlope, DicomValues::FormatDecimal(encoder.GetRescaleSlope()));
    }
  }


  const char* CtImageIod::GetSopClassUid() const
  {
    return UID_CTImageStorage;
  }


  void CtImageIod::AddModalityModule(DcmDataset& d, const SeriesPlan& plan, int64_t t) const
  {
    // CT Image module (PS3.3 C.8.2.1)
    Put(d, DCM_ImageType, "DERIVED\\SECONDARY\\AXIAL");
    Put(d, DCM_KVP, "");
    Put(d, DCM_AcquisitionNumber, "");

    const PixelEncoder& encoder = plan.GetEncoder();
    Put(d, DCM_RescaleIntercept, DicomValues::FormatDecimal(encoder.GetRescaleIntercept()));
    Put(d, DCM_RescaleSlope, DicomValues::FormatDecimal(encoder.GetRescaleSlope()));
    Put(d, DCM_RescaleType, "US");  // unspecified: the NIfTI does not say the values are Hounsfield units
  }
}
