#include "Dicom/Modules.h"

#include "Common/ConversionError.h"
#include "Dicom/Codes.h"
#include "Dicom/DicomUid.h"
#include "Dicom/DicomValues.h"
#include "Dicom/DicomWriter.h"
#include "Dicom/PrivateSidecar.h"
#include "Dicom/SrgbIccProfile.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include <cmath>

namespace NiftiToDicom
{
  namespace Modules
  {
    namespace
    {
      const char* const PRODUCT_NAME = "Orthanc NIfTI-to-DICOM";
      const char* const MODEL_NAME = "nifti-to-dicom";

      // PS3.3 C.7.1.1 and C.7.2.1: Type 2 attributes of the Patient and
      // General Study modules, present even when the parent study lacks them
      const DcmTagKey TYPE2_PATIENT_AND_STUDY[] =
      {
        DCM_PatientName, DCM_PatientID, DCM_PatientBirthDate, DCM_PatientSex,
        DCM_StudyDate, DCM_StudyTime, DCM_ReferringPhysicianName, DCM_StudyID, DCM_AccessionNumber
      };

      // The scanner that acquired the data, as an item of the Contributing
      // Equipment Sequence; Manufacturer is Type 1 there
      void WriteAcquisitionEquipment(DcmDataset& d, const SeriesPlan& plan)
      {
        const AttributeList& scanner = plan.GetOptions().sidecar.GetScannerEquipment();
        std::string manufacturer;
        if (scanner.Lookup(manufacturer, DCM_Manufacturer) && !manufacturer.empty())
        {
          DcmItem& equipment = DicomWriter::AppendItem(d, DCM_ContributingEquipmentSequence);
          DicomWriter::AddCode(equipment, DCM_PurposeOfReferenceCodeSequence, Codes::AcquisitionEquipment());
          scanner.ApplyTo(equipment);

          // dcm2niix reads Manufacturer in nested items too, keeps the first
          // vendor it recognises (by the first two letters) and then looks
          // for that vendor's private tags, inventing multiband factors and
          // slice timings. A leading space, which is padding without
          // significance in LO (PS3.5 6.2), keeps the value and its meaning
          // but not the recognition.
          if (manufacturer[0] != ' ' && DicomValues::TruncateUtf8(" " + manufacturer, 64) == " " + manufacturer)
          {
            DicomWriter::Put(equipment, DCM_Manufacturer, " " + manufacturer);
          }
        }
      }

      // The sidecar verbatim, in the private block of PRIVATE_CREATOR
      void WriteSidecarCopy(DcmDataset& d, const SeriesPlan& plan)
      {
        const std::string& text = plan.GetOptions().sidecar.GetVerbatim();
        if (text.empty())
        {
          return;
        }
        const std::string padded = (text.size() % 2 == 0 ? text : text + " ");
        const DcmTag creator(PrivateSidecar::GROUP, PrivateSidecar::CREATOR_ELEMENT, EVR_LO);
        DcmTag element(PrivateSidecar::GROUP, PrivateSidecar::SIDECAR_ELEMENT, EVR_OB);
        element.setPrivateCreator(PrivateSidecar::CREATOR);
        if (d.putAndInsertString(creator, PrivateSidecar::CREATOR).bad() ||
            d.putAndInsertUint8Array(element, reinterpret_cast<const Uint8*>(padded.data()),
                                     static_cast<unsigned long>(padded.size())).bad())
        {
          throw ConversionError(ErrorKind::Internal, "Cannot write the private copy of the sidecar");
        }
      }

      bool HasReferenceImages(const SeriesPlan& plan)
      {
        const SeriesOptions& options = plan.GetOptions();
        return options.hasReference && !options.reference.images.empty();
      }
    }


    void WriteSopCommon(DcmDataset& d, const SeriesPlan& plan, const char* sopClassUid)
    {
      DicomWriter::Put(d, DCM_SpecificCharacterSet, "ISO_IR 192");
      DicomWriter::Put(d, DCM_SOPClassUID, sopClassUid);
      DicomWriter::Put(d, DCM_SOPInstanceUID, DicomUid::Generate());
      DicomWriter::Put(d, DCM_InstanceCreationDate, plan.GetCreationDate());
      DicomWriter::Put(d, DCM_InstanceCreationTime, plan.GetCreationTime());
    }


    void WriteContributingEquipment(DcmDataset& d, const SeriesPlan& plan)
    {
      // In the order of the contributions
      WriteAcquisitionEquipment(d, plan);
      WriteSidecarCopy(d, plan);

      DcmItem& equipment = DicomWriter::AppendItem(d, DCM_ContributingEquipmentSequence);
      DicomWriter::AddCode(equipment, DCM_PurposeOfReferenceCodeSequence, Codes::ProcessingEquipment());
      DicomWriter::Put(equipment, DCM_Manufacturer, PRODUCT_NAME);
      DicomWriter::Put(equipment, DCM_ManufacturerModelName, MODEL_NAME);
      DicomWriter::Put(equipment, DCM_SoftwareVersions, NIFTI_TO_DICOM_VERSION);
      DicomWriter::Put(equipment, DCM_ContributionDateTime, plan.GetCreationDate() + plan.GetCreationTime());
      DicomWriter::Put(equipment, DCM_ContributionDescription, plan.GetDerivationDescription());
    }


    void WritePatientAndStudy(DcmDataset& d, const SeriesPlan& plan)
    {
      plan.GetParent().CopyTo(d);
      for (const DcmTagKey& tag : TYPE2_PATIENT_AND_STUDY)
      {
        if (!d.tagExists(tag))
        {
          DicomWriter::Put(d, tag, "");
        }
      }
    }


    void WriteGeneralSeries(DcmDataset& d, const SeriesPlan& plan, const char* modality)
    {
      DicomWriter::Put(d, DCM_Modality, modality);
      DicomWriter::Put(d, DCM_SeriesInstanceUID, plan.GetSeriesInstanceUid());
      DicomWriter::Put(d, DCM_SeriesNumber, std::to_string(plan.GetOptions().seriesNumber));
      DicomWriter::Put(d, DCM_SeriesDate, plan.GetCreationDate());
      DicomWriter::Put(d, DCM_SeriesTime, plan.GetCreationTime());
      DicomWriter::Put(d, DCM_SeriesDescription, plan.GetSeriesDescription());
    }


    void WriteFrameOfReference(DcmDataset& d, const SeriesPlan& plan)
    {
      DicomWriter::Put(d, DCM_FrameOfReferenceUID, plan.GetFrameOfReferenceUid());
      DicomWriter::Put(d, DCM_PositionReferenceIndicator, "");
    }


    void WriteGeneralEquipment(DcmDataset& d)
    {
      DicomWriter::Put(d, DCM_Manufacturer, PRODUCT_NAME);
      DicomWriter::Put(d, DCM_ManufacturerModelName, MODEL_NAME);
      DicomWriter::Put(d, DCM_SoftwareVersions, std::string(PRODUCT_NAME) + " " NIFTI_TO_DICOM_VERSION);
    }


    void WriteEnhancedGeneralEquipment(DcmDataset& d)
    {
      WriteGeneralEquipment(d);
      // Type 1 here. Software has no serial number: its version names the
      // build that made the instance
      DicomWriter::Put(d, DCM_DeviceSerialNumber, NIFTI_TO_DICOM_VERSION);
    }


    void WriteIccProfile(DcmDataset& d)
    {
      const std::string& profile = SrgbIccProfile::Get();
      const OFCondition status = d.putAndInsertUint8Array(DCM_ICCProfile,
                                                          reinterpret_cast<const Uint8*>(profile.data()),
                                                          static_cast<unsigned long>(profile.size()));
      if (status.bad())
      {
        throw ConversionError(ErrorKind::Internal, std::string("Cannot set the ICC profile: ") + status.text());
      }
      DicomWriter::Put(d, DCM_ColorSpace, "SRGB");
    }


    void WriteImageDerivation(DcmDataset& d, const SeriesPlan& plan)
    {
      DicomWriter::Put(d, DCM_ContentDate, plan.GetCreationDate());
      DicomWriter::Put(d, DCM_ContentTime, plan.GetCreationTime());
      DicomWriter::Put(d, DCM_DerivationDescription, plan.GetDerivationDescription());

      // Free text that may name the patient: only on request
      const std::string& descrip = plan.GetVolume().GetHeader().descrip;
      if (plan.GetOptions().useNiftiDescription && !descrip.empty())
      {
        DicomWriter::Put(d, DCM_ImageComments, DicomValues::ToValidUtf8(descrip));
      }
    }


    void WriteCommonInstanceReference(DcmDataset& d, const SeriesPlan& plan)
    {
      if (!HasReferenceImages(plan))
      {
        return;
      }

      const ReferenceSeries& reference = plan.GetOptions().reference;
      DcmItem& series = DicomWriter::AppendItem(d, DCM_ReferencedSeriesSequence);
      DicomWriter::Put(series, DCM_SeriesInstanceUID, reference.seriesInstanceUid);
      for (const ReferencedImage& image : reference.images)
      {
        DcmItem& instance = DicomWriter::AppendItem(series, DCM_ReferencedInstanceSequence);
        DicomWriter::Put(instance, DCM_ReferencedSOPClassUID, image.sopClassUid);
        DicomWriter::Put(instance, DCM_ReferencedSOPInstanceUID, image.sopInstanceUid);
      }
    }


    void WriteDerivationImage(DcmItem& shared, const SeriesPlan& plan, const CodedConcept& derivation)
    {
      if (HasReferenceImages(plan))
      {
        DcmItem& item = DicomWriter::AppendItem(shared, DCM_DerivationImageSequence);
        DicomWriter::AddCode(item, DCM_DerivationCodeSequence, derivation);
        WriteSourceImages(item, plan, -1);
      }
    }


    void WriteSourceImages(DcmItem& item, const SeriesPlan& plan, int64_t slice)
    {
      if (!HasReferenceImages(plan))
      {
        return;
      }

      const ReferenceSeries& reference = plan.GetOptions().reference;
      std::vector<const ReferencedImage*> images;

      if (slice >= 0 && reference.sameFrameOfReference)
      {
        const Vector3 position = plan.GetGeometry().GetSlicePosition(slice);
        const Vector3& normal = plan.GetGeometry().GetNormal();
        const ReferencedImage* nearest = nullptr;
        double best = 0;
        for (const ReferencedImage& image : reference.images)
        {
          if (image.hasPosition)
          {
            double distance = 0;
            for (int i = 0; i < 3; i++)
            {
              distance += (image.position[i] - position[i]) * normal[i];
            }
            if (nearest == nullptr || std::fabs(distance) < best)
            {
              nearest = &image;
              best = std::fabs(distance);
            }
          }
        }
        if (nearest != nullptr)
        {
          images.push_back(nearest);
        }
      }

      if (images.empty())
      {
        for (const ReferencedImage& image : reference.images)
        {
          images.push_back(&image);
        }
      }

      for (const ReferencedImage* image : images)
      {
        DcmItem& source = DicomWriter::AppendItem(item, DCM_SourceImageSequence);
        DicomWriter::Put(source, DCM_ReferencedSOPClassUID, image->sopClassUid);
        DicomWriter::Put(source, DCM_ReferencedSOPInstanceUID, image->sopInstanceUid);
        DicomWriter::AddCode(source, DCM_PurposeOfReferenceCodeSequence, Codes::SourceImageForProcessing());
      }
    }
  }
}
