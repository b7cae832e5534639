#include "Metadata/ParentStudyTags.h"

#include "Common/ConversionError.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>

namespace NiftiToDicom
{
  namespace
  {
    // PS3.3 C.7.1.1 Patient, C.7.1.3 Clinical Trial Subject, C.7.2.1 General
    // Study, C.7.2.2 Patient Study and C.7.2.3 Clinical Trial Study modules
    const DcmTagKey PATIENT_AND_STUDY_TAGS[] =
    {
      // Patient
      DCM_PatientName, DCM_PatientID, DCM_IssuerOfPatientID, DCM_IssuerOfPatientIDQualifiersSequence,
      DCM_TypeOfPatientID, DCM_PatientBirthDate, DCM_PatientBirthTime, DCM_PatientSex,
      DCM_QualityControlSubject, DCM_RETIRED_OtherPatientIDs, DCM_OtherPatientIDsSequence, DCM_OtherPatientNames,
      DCM_EthnicGroup, DCM_PatientComments, DCM_PatientSpeciesDescription, DCM_PatientSpeciesCodeSequence,
      DCM_PatientBreedDescription, DCM_PatientBreedCodeSequence, DCM_BreedRegistrationSequence,
      DCM_ResponsiblePerson, DCM_ResponsiblePersonRole, DCM_ResponsibleOrganization,
      DCM_PatientIdentityRemoved, DCM_DeidentificationMethod, DCM_DeidentificationMethodCodeSequence,
      DCM_ReferencedPatientSequence, DCM_SourcePatientGroupIdentificationSequence,
      DCM_GroupOfPatientsIdentificationSequence, DCM_StrainDescription, DCM_StrainNomenclature,
      DCM_StrainCodeSequence, DCM_StrainAdditionalInformation, DCM_StrainStockSequence,
      DCM_GeneticModificationsSequence, DCM_PatientSexNeutered,
      // Clinical Trial Subject
      DCM_ClinicalTrialSponsorName, DCM_ClinicalTrialProtocolID, DCM_ClinicalTrialProtocolName,
      DCM_ClinicalTrialSiteID, DCM_ClinicalTrialSiteName, DCM_ClinicalTrialSubjectID,
      DCM_ClinicalTrialSubjectReadingID,
      // General Study
      DCM_StudyInstanceUID, DCM_StudyDate, DCM_StudyTime, DCM_ReferringPhysicianName,
      DCM_ReferringPhysicianIdentificationSequence, DCM_ConsultingPhysicianName,
      DCM_ConsultingPhysicianIdentificationSequence, DCM_StudyID, DCM_AccessionNumber,
      DCM_IssuerOfAccessionNumberSequence, DCM_StudyDescription, DCM_PhysiciansOfRecord,
      DCM_PhysiciansOfRecordIdentificationSequence, DCM_NameOfPhysiciansReadingStudy,
      DCM_PhysiciansReadingStudyIdentificationSequence, DCM_RequestingServiceCodeSequence,
      DCM_ReferencedStudySequence, DCM_ProcedureCodeSequence, DCM_ReasonForPerformedProcedureCodeSequence,
      // Patient Study
      DCM_AdmittingDiagnosesDescription, DCM_AdmittingDiagnosesCodeSequence, DCM_PatientAge, DCM_PatientSize,
      DCM_PatientWeight, DCM_PatientBodyMassIndex, DCM_MeasuredAPDimension, DCM_MeasuredLateralDimension,
      DCM_PatientSizeCodeSequence, DCM_MedicalAlerts, DCM_Allergies, DCM_SmokingStatus, DCM_PregnancyStatus,
      DCM_LastMenstrualDate, DCM_PatientState, DCM_Occupation, DCM_AdditionalPatientHistory,
      DCM_AdmissionID, DCM_IssuerOfAdmissionIDSequence, DCM_ServiceEpisodeID, DCM_ServiceEpisodeDescription,
      DCM_IssuerOfServiceEpisodeIDSequence,
      // Clinical Trial Study
      DCM_ClinicalTrialTimePointID, DCM_ClinicalTrialTimePointDescription,
      DCM_ConsentForClinicalTrialUseSequence
    };
  }


  ParentStudyTags ParentStudyTags::FromDicomFile(const void* data, size_t size)
  {
    DcmInputBufferStream stream;
    stream.setBuffer(data, static_cast<offile_off_t>(size));
    stream.setEos();

    DcmFileFormat file;
    file.transferInit();
    const OFCondition status = file.read(stream);
    file.transferEnd();
    if (status.bad())
    {
      throw ConversionError(ErrorKind::Internal,
                            std::string("Cannot parse a DICOM instance of the parent study: ") + status.text());
    }

    DcmDataset& source = *file.getDataset();
    ParentStudyTags result;
    result.tags_.reset(new DcmDataset);

    const char* charset = nullptr;
    if (source.findAndGetString(DCM_SpecificCharacterSet, charset).good() && charset != nullptr)
    {
      result.tags_->putAndInsertString(DCM_SpecificCharacterSet, charset);
    }

    for (const DcmTagKey& tag : PATIENT_AND_STUDY_TAGS)
    {
      DcmElement* element = nullptr;
      if (source.findAndGetElement(tag, element).good() && element != nullptr)
      {
        result.tags_->insert(static_cast<DcmElement*>(element->clone()), true);
      }
    }

    // Normalise to UTF-8 so that values added later (series description,
    // overrides from JSON) can share one character set with the copied ones.
    OFCondition converted = result.tags_->convertToUTF8();
    if (converted.bad() && (charset == nullptr || charset[0] == '\0'))
    {
      // 8-bit bytes without a SpecificCharacterSet (older scanners): read
      // them as Latin-1, as Orthanc does with its default "DefaultEncoding"
      result.tags_->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 100");
      converted = result.tags_->convertToUTF8();
    }
    if (converted.bad())
    {
      throw ConversionError(ErrorKind::Unsupported,
                            std::string("The parent study's character set (") + (charset ? charset : "default") +
                            ") cannot be converted to UTF-8: " + converted.text());
    }
    result.tags_->findAndDeleteElement(DCM_SpecificCharacterSet);

    result.studyInstanceUid_ = result.GetString(DCM_StudyInstanceUID);
    if (result.studyInstanceUid_.empty())
    {
      throw ConversionError(ErrorKind::Internal, "The parent study's instance has no StudyInstanceUID");
    }
    return result;
  }


  std::string ParentStudyTags::GetString(const DcmTagKey& tag) const
  {
    std::lock_guard<std::mutex> lock(*mutex_);
    OFString value;
    if (tags_->findAndGetOFStringArray(tag, value).good())
    {
      return value.c_str();
    }
    return "";
  }


  void ParentStudyTags::CopyTo(DcmItem& target) const
  {
    std::lock_guard<std::mutex> lock(*mutex_);
    for (unsigned long i = 0; i < tags_->card(); i++)
    {
      DcmElement* element = tags_->getElement(i);
      target.insert(static_cast<DcmElement*>(element->clone()), true);
    }
  }


  bool ParentStudyTags::IsPatientOrStudyTag(const DcmTagKey& tag)
  {
    for (const DcmTagKey& t : PATIENT_AND_STUDY_TAGS)
    {
      if (t == tag)
      {
        return true;
      }
    }
    return false;
  }
}
