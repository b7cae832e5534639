#include "Dicom/DicomBuilder.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomUid.h"
#include "Dicom/DicomValues.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcostrmb.h>

#include <cmath>

namespace NiftiToDicom
{
  void DicomBuilder::Put(DcmItem& item, const DcmTagKey& tag, const std::string& value)
  {
    const OFCondition status = item.putAndInsertString(tag, value.c_str());
    if (status.bad())
    {
      throw ConversionError(ErrorKind::Internal, std::string("Cannot set DICOM attribute ") +
                            tag.toString().c_str() + ": " + status.text());
    }
  }


  void DicomBuilder::PutUint16(DcmItem& item, const DcmTagKey& tag, int64_t value)
  {
    item.putAndInsertUint16(tag, static_cast<Uint16>(value));
  }


  DcmItem& DicomBuilder::AppendItem(DcmItem& item, const DcmTagKey& sequence)
  {
    DcmItem* created = nullptr;
    if (item.findOrCreateSequenceItem(sequence, created, -2 /* append */).bad() || created == nullptr)
    {
      throw ConversionError(ErrorKind::Internal, std::string("Cannot create an item of ") +
                            sequence.toString().c_str());
    }
    return *created;
  }


  void DicomBuilder::AddCode(DcmItem& item, const DcmTagKey& sequence, const CodedConcept& code)
  {
    DcmItem& codeItem = AppendItem(item, sequence);
    Put(codeItem, DCM_CodeValue, code.value);
    Put(codeItem, DCM_CodingSchemeDesignator, code.scheme);
    Put(codeItem, DCM_CodeMeaning, code.meaning);
  }


  void DicomBuilder::AddCommonModules(DcmDataset& d, const SeriesPlan& plan, const char* sopClassUid,
                                      const char* modality)
  {
    // SOP Common
    Put(d, DCM_SpecificCharacterSet, "ISO_IR 192");
    Put(d, DCM_SOPClassUID, sopClassUid);
    Put(d, DCM_SOPInstanceUID, DicomUid::Generate());
    Put(d, DCM_InstanceCreationDate, plan.GetCreationDate());
    Put(d, DCM_InstanceCreationTime, plan.GetCreationTime());

    // Patient, Clinical Trial Subject, General Study, Patient Study: verbatim from the parent
    plan.GetParent().CopyTo(d);

    // General Series
    Put(d, DCM_Modality, modality);
    Put(d, DCM_SeriesInstanceUID, plan.GetSeriesInstanceUid());
    Put(d, DCM_SeriesNumber, std::to_string(plan.GetOptions().seriesNumber));
    Put(d, DCM_SeriesDate, plan.GetCreationDate());
    Put(d, DCM_SeriesTime, plan.GetCreationTime());
    Put(d, DCM_SeriesDescription, plan.GetSeriesDescription());

    // Frame of Reference
    Put(d, DCM_FrameOfReferenceUID, plan.GetFrameOfReferenceUid());
    Put(d, DCM_PositionReferenceIndicator, "");

    // General Equipment
    Put(d, DCM_Manufacturer, "");
    Put(d, DCM_SoftwareVersions, "Orthanc NIfTI-to-DICOM " NIFTI_TO_DICOM_VERSION);

    Put(d, DCM_ContentDate, plan.GetCreationDate());
    Put(d, DCM_ContentTime, plan.GetCreationTime());
    Put(d, DCM_DerivationDescription, plan.GetDerivationDescription());

    const std::string descrip = plan.GetVolume().GetHeader().descrip;
    if (plan.GetOptions().useNiftiDescription && !descrip.empty())
    {
      Put(d, DCM_ImageComments, DicomValues::ToValidUtf8(descrip));
    }

    // SOP Common: the equipment that made this instance from the NIfTI
    DcmItem& equipment = AppendItem(d, DCM_ContributingEquipmentSequence);
    CodedConcept processing;
    processing.value = "109102";
    processing.scheme = "DCM";
    processing.meaning = "Processing Equipment";
    AddCode(equipment, DCM_PurposeOfReferenceCodeSequence, processing);
    Put(equipment, DCM_Manufacturer, "Orthanc NIfTI-to-DICOM");
    Put(equipment, DCM_ManufacturerModelName, "nifti-to-dicom");
    Put(equipment, DCM_SoftwareVersions, NIFTI_TO_DICOM_VERSION);
    Put(equipment, DCM_ContributionDateTime, plan.GetCreationDate() + plan.GetCreationTime());
    Put(equipment, DCM_ContributionDescription, plan.GetDerivationDescription());

    // Common Instance Reference: the images the NIfTI was computed from
    const SeriesOptions& options = plan.GetOptions();
    if (options.hasReference && !options.reference.images.empty())
    {
      DcmItem& series = AppendItem(d, DCM_ReferencedSeriesSequence);
      Put(series, DCM_SeriesInstanceUID, options.reference.seriesInstanceUid);
      for (const ReferencedImage& image : options.reference.images)
      {
        DcmItem& instance = AppendItem(series, DCM_ReferencedInstanceSequence);
        Put(instance, DCM_ReferencedSOPClassUID, image.sopClassUid);
        Put(instance, DCM_ReferencedSOPInstanceUID, image.sopInstanceUid);
      }
    }
  }


  void DicomBuilder::AddSourceImages(DcmItem& item, const SeriesPlan& plan, int64_t slice)
  {
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

    CodedConcept purpose;
    purpose.value = "121322";
    purpose.scheme = "DCM";
    purpose.meaning = "Source image for image processing operation";
    for (const ReferencedImage* image : images)
    {
      DcmItem& source = AppendItem(item, DCM_SourceImageSequence);
      Put(source, DCM_ReferencedSOPClassUID, image->sopClassUid);
      Put(source, DCM_ReferencedSOPInstanceUID, image->sopInstanceUid);
      AddCode(source, DCM_PurposeOfReferenceCodeSequence, purpose);
    }
  }


  void DicomBuilder::WritePart10(std::string& target, DcmFileFormat& file)
  {
    const E_TransferSyntax syntax = EXS_LittleEndianExplicit;
    file.validateMetaInfo(syntax);

    // The computed length is exact once the meta header is filled in;
    // the slack only covers group-length recalculation.
    target.resize(file.calcElementLength(syntax, EET_ExplicitLength) + 1024);
    DcmOutputBufferStream stream(&target[0], target.size());

    file.transferInit();
    const OFCondition status = file.write(stream, syntax, EET_ExplicitLength, nullptr,
                                          EGL_recalcGL, EPD_withoutPadding);
    file.transferEnd();
    if (status.bad())
    {
      throw ConversionError(ErrorKind::Internal, std::string("Cannot write a DICOM instance: ") + status.text());
    }

    stream.flush();
    target.resize(static_cast<size_t>(stream.tell()));
  }
}
