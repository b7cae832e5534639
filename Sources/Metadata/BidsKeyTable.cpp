#include "Metadata/BidsKeyTable.h"

#include <dcmtk/dcmdata/dcdeftag.h>

namespace NiftiToDicom
{
  namespace
  {
    const bool SCANNER = true;     // BidsKey::equipment
    const bool ACQUISITION = false;

    // Where dcm2niix reads each key back from: /work/shared/docs/bids-to-dicom.md.
    // Not SoftwareVersions: dcm2niix finds "syngo MR XA" anywhere in a file,
    // Contributing Equipment included, takes it for a Siemens XA and invents
    // a multiband factor and slice timings from absent private tags; it stays
    // in the private copy of the sidecar.
    const BidsKey KEYS[] =
    {
      { "EchoTime", DCM_EchoTime, BidsValueKind::SecondsAsMilliseconds, "DS", 0,
        "a number of seconds, e.g. 0.03", 1, ACQUISITION },
      { "RepetitionTime", DCM_RepetitionTime, BidsValueKind::SecondsAsMilliseconds, "DS", 0,
        "a number of seconds, e.g. 2.5", 100, ACQUISITION },
      { "InversionTime", DCM_InversionTime, BidsValueKind::SecondsAsMilliseconds, "DS", 0,
        "a number of seconds, e.g. 0.9", 10, ACQUISITION },
      { "FlipAngle", DCM_FlipAngle, BidsValueKind::Decimal, "DS", 0, "a number of degrees, e.g. 90", 0, ACQUISITION },
      { "MagneticFieldStrength", DCM_MagneticFieldStrength, BidsValueKind::Decimal, "DS", 0,
        "a number of tesla, e.g. 3", 0, ACQUISITION },
      { "ImagingFrequency", DCM_ImagingFrequency, BidsValueKind::Decimal, "DS", 0,
        "a number of megahertz, e.g. 123.25", 0, ACQUISITION },
      { "SliceThickness", DCM_SliceThickness, BidsValueKind::Decimal, "DS", 0,
        "a number of millimetres, e.g. 1.2", 0, ACQUISITION },
      { "SpacingBetweenSlices", DCM_SpacingBetweenSlices, BidsValueKind::Decimal, "DS", 0,
        "a number of millimetres, e.g. 1.5", 0, ACQUISITION },
      { "PixelBandwidth", DCM_PixelBandwidth, BidsValueKind::Decimal, "DS", 0,
        "a number of hertz per pixel, e.g. 2315", 0, ACQUISITION },
      { "PercentPhaseFieldOfView", DCM_PercentPhaseFieldOfView, BidsValueKind::Decimal, "DS", 0,
        "a percentage, e.g. 100", 0, ACQUISITION },
      // The name dcm2niix writes for the same attribute
      { "PercentPhaseFOV", DCM_PercentPhaseFieldOfView, BidsValueKind::Decimal, "DS", 0,
        "a percentage, e.g. 100", 0, ACQUISITION },
      { "PercentSampling", DCM_PercentSampling, BidsValueKind::Decimal, "DS", 0, "a percentage, e.g. 100", 0,
        ACQUISITION },
      { "NumberOfAverages", DCM_NumberOfAverages, BidsValueKind::Decimal, "DS", 0, "a number, e.g. 2", 0,
        ACQUISITION },
      { "SAR", DCM_SAR, BidsValueKind::Decimal, "DS", 0, "a number of watts per kilogram, e.g. 0.6", 0,
        ACQUISITION },
      // Not in the classic IODs' modules: a standard extended attribute there (PS3.3 C.8.13.1 elsewhere)
      { "ParallelReductionFactorInPlane", DCM_ParallelReductionFactorInPlane, BidsValueKind::Decimal, "FD", 0,
        "a number, e.g. 2", 0, ACQUISITION },
      { "SeriesNumber", DCM_SeriesNumber, BidsValueKind::Integer, "IS", 0, "a whole number, e.g. 3", 0,
        ACQUISITION },
      { "AcquisitionNumber", DCM_AcquisitionNumber, BidsValueKind::Integer, "IS", 0, "a whole number, e.g. 1", 0,
        ACQUISITION },
      { "EchoTrainLength", DCM_EchoTrainLength, BidsValueKind::Integer, "IS", 0,
        "a whole number of echoes, e.g. 54", 0, ACQUISITION },
      { "EchoNumber", DCM_EchoNumbers, BidsValueKind::Integer, "IS", 0, "a whole number, e.g. 1", 0, ACQUISITION },
      { "PhaseEncodingSteps", DCM_NumberOfPhaseEncodingSteps, BidsValueKind::Integer, "IS", 0,
        "a whole number, e.g. 86", 0, ACQUISITION },
      { "AcquisitionMatrixPE", DCM_AcquisitionMatrix, BidsValueKind::AcquisitionMatrix, "US", 0,
        "a whole number of phase-encoding steps, e.g. 86", 0, ACQUISITION },
      { "Manufacturer", DCM_Manufacturer, BidsValueKind::Text, "LO", 64, "a string, e.g. \"Siemens\"", 0, SCANNER },
      { "ManufacturersModelName", DCM_ManufacturerModelName, BidsValueKind::Text, "LO", 64,
        "a string, e.g. \"Prisma_fit\"", 0, SCANNER },
      { "DeviceSerialNumber", DCM_DeviceSerialNumber, BidsValueKind::Text, "LO", 64, "a string, e.g. \"67060\"", 0,
        SCANNER },
      { "StationName", DCM_StationName, BidsValueKind::Text, "SH", 16, "a string, e.g. \"MRC35131\"", 0, SCANNER },
      { "InstitutionName", DCM_InstitutionName, BidsValueKind::Text, "LO", 64, "a string", 0, SCANNER },
      { "InstitutionAddress", DCM_InstitutionAddress, BidsValueKind::Text, "ST", 1024, "a string", 0, SCANNER },
      { "InstitutionalDepartmentName", DCM_InstitutionalDepartmentName, BidsValueKind::Text, "LO", 64,
        "a string, e.g. \"Radiology\"", 0, SCANNER },
      { "SeriesDescription", DCM_SeriesDescription, BidsValueKind::Text, "LO", 64, "a string, e.g. \"t1_mprage\"", 0,
        ACQUISITION },
      { "ProtocolName", DCM_ProtocolName, BidsValueKind::Text, "LO", 64, "a string, e.g. \"t1_mprage\"", 0,
        ACQUISITION },
      { "ProcedureStepDescription", DCM_PerformedProcedureStepDescription, BidsValueKind::Text, "LO", 64,
        "a string, e.g. \"Brain routine\"", 0, ACQUISITION },
      { "SequenceName", DCM_SequenceName, BidsValueKind::Text, "SH", 16, "a string, e.g. \"*tfl3d1_16ns\"", 0,
        ACQUISITION },
      // dcm2niix reads (0018,9005) back as "PulseSequenceName" in any IOD
      { "PulseSequenceName", DCM_PulseSequenceName, BidsValueKind::Text, "SH", 16, "a string, e.g. \"epiRT\"", 0,
        ACQUISITION },
      { "ReceiveCoilName", DCM_ReceiveCoilName, BidsValueKind::Text, "SH", 16, "a string, e.g. \"HeadNeck_20\"", 0,
        ACQUISITION },
      { "ImagedNucleus", DCM_ImagedNucleus, BidsValueKind::Text, "SH", 16, "a string, e.g. \"1H\"", 0, ACQUISITION },
      { "ImageComments", DCM_ImageComments, BidsValueKind::Text, "LT", 10240, "a string", 0, ACQUISITION },
      { "ScanningSequence", DCM_ScanningSequence, BidsValueKind::CodeList, "CS", 16,
        "a string or a list of strings, e.g. \"GR_IR\" or [\"GR\", \"IR\"]", 0, ACQUISITION },
      { "SequenceVariant", DCM_SequenceVariant, BidsValueKind::CodeList, "CS", 16,
        "a string or a list of strings, e.g. \"SK_SP_MP\" or [\"SK\", \"SP\", \"MP\"]", 0, ACQUISITION },
      { "ScanOptions", DCM_ScanOptions, BidsValueKind::CodeList, "CS", 16,
        "a string or a list of strings, e.g. \"PFP_FS\" or [\"PFP\", \"FS\"]", 0, ACQUISITION },
      { "MRAcquisitionType", DCM_MRAcquisitionType, BidsValueKind::Code, "CS", 16, "a string, \"2D\" or \"3D\"", 0,
        ACQUISITION },
      { "BodyPartExamined", DCM_BodyPartExamined, BidsValueKind::Code, "CS", 16, "a string, e.g. \"BRAIN\"", 0,
        ACQUISITION },
      // The name newer dcm2niix releases write for the same attribute
      { "BodyPart", DCM_BodyPartExamined, BidsValueKind::Code, "CS", 16, "a string, e.g. \"BRAIN\"", 0,
        ACQUISITION },
      { "PatientPosition", DCM_PatientPosition, BidsValueKind::Code, "CS", 16, "a string, e.g. \"HFS\"", 0,
        ACQUISITION },
      { "AcquisitionTime", DCM_AcquisitionTime, BidsValueKind::Time, "TM", 0,
        "a time of day \"HH:MM:SS.ffffff\", e.g. \"13:19:34.087500\"", 0, ACQUISITION },
      { "AcquisitionDateTime", DCM_AcquisitionDateTime, BidsValueKind::DateTime, "DT", 0,
        "a date and time \"YYYY-MM-DDTHH:MM:SS.ffffff\", e.g. \"2019-04-26T14:13:05.990000\"", 0, ACQUISITION },
      { "PhaseEncodingDirection", DCM_InPlanePhaseEncodingDirection, BidsValueKind::PhaseEncodingDirection, "CS", 0,
        "one of \"i\", \"i-\", \"j\", \"j-\", \"k\", \"k-\" (the voxel axis along which the phase is encoded)", 0,
        ACQUISITION },
      { "PhaseEncodingAxis", DCM_InPlanePhaseEncodingDirection, BidsValueKind::PhaseEncodingAxis, "CS", 0,
        "one of \"i\", \"j\", \"k\" (the voxel axis along which the phase is encoded)", 0, ACQUISITION },
      { "InPlanePhaseEncodingDirectionDICOM", DCM_InPlanePhaseEncodingDirection, BidsValueKind::InPlanePhaseEncoding,
        "CS", 0, "\"ROW\" or \"COL\"", 0, ACQUISITION }
    };

    // Their public attribute is decided by the plugin (from the request, the
    // NIfTI's geometry) or copied from the parent study, so that the series
    // stays in its study and in register with its pixels
    const char* const LEFT_TO_THE_PLUGIN[] =
    {
      "Modality",                        // the output type's
      "ImageType",                       // DERIVED: these pixels were computed
      "ImageOrientationPatientDICOM",    // from the NIfTI affine
      "ReconMatrixPE",                   // Rows/Columns, from the NIfTI
      "StudyDescription"                 // the parent study's
    };
  }


  std::string BidsKey::Describe() const
  {
    return "\"" + std::string(key) + "\" (" + tag.toString().c_str() + ", " + vr + ")";
  }


  const BidsKey* BidsKeyTable::Find(const std::string& key)
  {
    for (const BidsKey& entry : KEYS)
    {
      if (key == entry.key)
      {
        return &entry;
      }
    }
    return nullptr;
  }


  bool BidsKeyTable::IsLeftToThePlugin(const std::string& key)
  {
    for (const char* name : LEFT_TO_THE_PLUGIN)
    {
      if (key == name)
      {
        return true;
      }
    }
    return false;
  }
}
