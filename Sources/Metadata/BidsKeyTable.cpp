#include "Metadata/BidsKeyTable.h"

#include <dcmtk/dcmdata/dcdeftag.h>

namespace NiftiToDicom
{
  namespace
  {
    const BidsKey KEYS[] =
    {
      { "EchoTime", DCM_EchoTime, BidsValueKind::SecondsAsMilliseconds, "DS", 0,
        "a number of seconds, e.g. 0.03", 1 },
      { "RepetitionTime", DCM_RepetitionTime, BidsValueKind::SecondsAsMilliseconds, "DS", 0,
        "a number of seconds, e.g. 2.5", 100 },
      { "InversionTime", DCM_InversionTime, BidsValueKind::SecondsAsMilliseconds, "DS", 0,
        "a number of seconds, e.g. 0.9", 10 },
      { "FlipAngle", DCM_FlipAngle, BidsValueKind::Decimal, "DS", 0, "a number of degrees, e.g. 90", 0 },
      { "MagneticFieldStrength", DCM_MagneticFieldStrength, BidsValueKind::Decimal, "DS", 0,
        "a number of tesla, e.g. 3", 0 },
      { "ImagingFrequency", DCM_ImagingFrequency, BidsValueKind::Decimal, "DS", 0,
        "a number of megahertz, e.g. 123.25", 0 },
      { "SliceThickness", DCM_SliceThickness, BidsValueKind::Decimal, "DS", 0,
        "a number of millimetres, e.g. 1.2", 0 },
      { "SpacingBetweenSlices", DCM_SpacingBetweenSlices, BidsValueKind::Decimal, "DS", 0,
        "a number of millimetres, e.g. 1.5", 0 },
      { "PixelBandwidth", DCM_PixelBandwidth, BidsValueKind::Decimal, "DS", 0,
        "a number of hertz per pixel, e.g. 2315", 0 },
      { "PercentPhaseFieldOfView", DCM_PercentPhaseFieldOfView, BidsValueKind::Decimal, "DS", 0,
        "a percentage, e.g. 100", 0 },
      // The name dcm2niix writes for the same attribute
      { "PercentPhaseFOV", DCM_PercentPhaseFieldOfView, BidsValueKind::Decimal, "DS", 0,
        "a percentage, e.g. 100", 0 },
      { "PercentSampling", DCM_PercentSampling, BidsValueKind::Decimal, "DS", 0, "a percentage, e.g. 100", 0 },
      { "SeriesNumber", DCM_SeriesNumber, BidsValueKind::Integer, "IS", 0, "a whole number, e.g. 3", 0 },
      { "EchoTrainLength", DCM_EchoTrainLength, BidsValueKind::Integer, "IS", 0,
        "a whole number of echoes, e.g. 54", 0 },
      { "EchoNumber", DCM_EchoNumbers, BidsValueKind::Integer, "IS", 0, "a whole number, e.g. 1", 0 },
      { "Manufacturer", DCM_Manufacturer, BidsValueKind::Text, "LO", 64, "a string, e.g. \"Siemens\"", 0 },
      { "ManufacturersModelName", DCM_ManufacturerModelName, BidsValueKind::Text, "LO", 64,
        "a string, e.g. \"Prisma_fit\"", 0 },
      { "DeviceSerialNumber", DCM_DeviceSerialNumber, BidsValueKind::Text, "LO", 64, "a string, e.g. \"67060\"", 0 },
      { "StationName", DCM_StationName, BidsValueKind::Text, "SH", 16, "a string, e.g. \"MRC35131\"", 0 },
      { "SoftwareVersions", DCM_SoftwareVersions, BidsValueKind::TextList, "LO", 64,
        "a string or a list of strings, e.g. \"syngo MR E11\"", 0 },
      { "InstitutionName", DCM_InstitutionName, BidsValueKind::Text, "LO", 64, "a string", 0 },
      { "InstitutionAddress", DCM_InstitutionAddress, BidsValueKind::Text, "ST", 1024, "a string", 0 },
      { "InstitutionalDepartmentName", DCM_InstitutionalDepartmentName, BidsValueKind::Text, "LO", 64,
        "a string, e.g. \"Radiology\"", 0 },
      { "SeriesDescription", DCM_SeriesDescription, BidsValueKind::Text, "LO", 64, "a string, e.g. \"t1_mprage\"", 0 },
      { "ProtocolName", DCM_ProtocolName, BidsValueKind::Text, "LO", 64, "a string, e.g. \"t1_mprage\"", 0 },
      { "SequenceName", DCM_SequenceName, BidsValueKind::Text, "SH", 16, "a string, e.g. \"*tfl3d1_16ns\"", 0 },
      { "ReceiveCoilName", DCM_ReceiveCoilName, BidsValueKind::Text, "SH", 16, "a string, e.g. \"HeadNeck_20\"", 0 },
      { "ImagedNucleus", DCM_ImagedNucleus, BidsValueKind::Text, "SH", 16, "a string, e.g. \"1H\"", 0 },
      { "ImageComments", DCM_ImageComments, BidsValueKind::Text, "LT", 10240, "a string", 0 },
      { "ScanningSequence", DCM_ScanningSequence, BidsValueKind::CodeList, "CS", 16,
        "a string or a list of strings, e.g. \"GR_IR\" or [\"GR\", \"IR\"]", 0 },
      { "SequenceVariant", DCM_SequenceVariant, BidsValueKind::CodeList, "CS", 16,
        "a string or a list of strings, e.g. \"SK_SP_MP\" or [\"SK\", \"SP\", \"MP\"]", 0 },
      { "ScanOptions", DCM_ScanOptions, BidsValueKind::CodeList, "CS", 16,
        "a string or a list of strings, e.g. \"PFP_FS\" or [\"PFP\", \"FS\"]", 0 },
      { "MRAcquisitionType", DCM_MRAcquisitionType, BidsValueKind::Code, "CS", 16, "a string, \"2D\" or \"3D\"", 0 },
      { "BodyPartExamined", DCM_BodyPartExamined, BidsValueKind::Code, "CS", 16, "a string, e.g. \"BRAIN\"", 0 },
      { "PatientPosition", DCM_PatientPosition, BidsValueKind::Code, "CS", 16, "a string, e.g. \"HFS\"", 0 },
      { "AcquisitionTime", DCM_AcquisitionTime, BidsValueKind::Time, "TM", 0,
        "a time of day \"HH:MM:SS.ffffff\", e.g. \"13:19:34.087500\"", 0 },
      { "PhaseEncodingDirection", DCM_InPlanePhaseEncodingDirection, BidsValueKind::PhaseEncodingDirection, "CS", 0,
        "one of \"i\", \"i-\", \"j\", \"j-\", \"k\", \"k-\" (the voxel axis along which the phase is encoded)", 0 },
      { "PhaseEncodingAxis", DCM_InPlanePhaseEncodingDirection, BidsValueKind::PhaseEncodingAxis, "CS", 0,
        "one of \"i\", \"j\", \"k\" (the voxel axis along which the phase is encoded)", 0 },
      { "InPlanePhaseEncodingDirectionDICOM", DCM_InPlanePhaseEncodingDirection, BidsValueKind::InPlanePhaseEncoding,
        "CS", 0, "\"ROW\" or \"COL\"", 0 }
    };

    // Decided by the plugin from the request and the NIfTI
    const char* const LEFT_TO_THE_PLUGIN[] =
    {
      "Modality"
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
