#include "Metadata/BidsSidecar.h"
#include "Common/ConversionError.h"
#include "TestHelpers.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcdicent.h>
#include <dcmtk/dcmdata/dcelem.h>

#include <json/reader.h>
#include <json/value.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

using namespace NiftiToDicom;

namespace
{
  Json::Value ParseJson(const std::string& text)
  {
    Json::CharReaderBuilder builder;
    std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
    Json::Value value;
    std::string errors;
    if (!reader->parse(text.data(), text.data() + text.size(), &value, &errors))
    {
      ADD_FAILURE() << "bad JSON in the test: " << errors << "\n" << text;
    }
    return value;
  }

  BidsSidecar ParseSidecar(const std::string& json)
  {
    return BidsSidecar::Parse(ParseJson(json));
  }

  // The value mapped to "tag" (acquisition or scanner), or "<absent>"
  std::string Get(const BidsSidecar& sidecar, const DcmTagKey& tag)
  {
    std::string value;
    return (sidecar.Lookup(value, tag) || sidecar.GetScannerEquipment().Lookup(value, tag)) ? value : "<absent>";
  }

  // The single attribute a one-key sidecar maps to
  std::string MapOne(const std::string& key, const std::string& jsonValue, const DcmTagKey& tag)
  {
    const BidsSidecar sidecar = ParseSidecar("{\"" + key + "\": " + jsonValue + "}");
    EXPECT_EQ(1u, sidecar.GetAttributes().size() + sidecar.GetScannerEquipment().GetEntries().size()) << key;
    return Get(sidecar, tag);
  }

  size_t CountWarningsWith(const BidsSidecar& sidecar, const std::string& text)
  {
    size_t count = 0;
    for (const std::string& w : sidecar.GetWarnings())
    {
      if (w.find(text) != std::string::npos)
      {
        count++;
      }
    }
    return count;
  }

  std::string AllWarnings(const BidsSidecar& sidecar)
  {
    std::string s;
    for (const std::string& w : sidecar.GetWarnings())
    {
      s += w + "\n";
    }
    return s;
  }

  size_t CountCharacters(const std::string& utf8)
  {
    size_t count = 0;
    for (char c : utf8)
    {
      if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
      {
        count++;
      }
    }
    return count;
  }

  std::string Repeat(const std::string& s, size_t times)
  {
    std::string result;
    for (size_t i = 0; i < times; i++)
    {
      result += s;
    }
    return result;
  }
}


TEST(BidsSidecar, NullIsAnEmptySidecar)
{
  const BidsSidecar sidecar = BidsSidecar::Parse(Json::Value());
  EXPECT_TRUE(sidecar.IsEmpty());
  EXPECT_TRUE(sidecar.GetWarnings().empty());
  EXPECT_EQ("", sidecar.GetSeriesDescription());
  double v = -1;
  EXPECT_FALSE(sidecar.GetEchoTimeMs(v));
  EXPECT_FALSE(sidecar.GetRepetitionTimeMs(v));
  EXPECT_FALSE(sidecar.GetFlipAngle(v));
  EXPECT_FALSE(sidecar.GetMagneticFieldStrength(v));
  EXPECT_EQ(-1, v);  // untouched when absent
}


TEST(BidsSidecar, RefusesWhatIsNotAnObject)
{
  EXPECT_CONVERSION_ERROR(ParseSidecar("[1, 2]"), InvalidInput, "must be a JSON object");
  EXPECT_CONVERSION_ERROR(ParseSidecar("\"EchoTime\""), InvalidInput, "must be a JSON object");
  EXPECT_CONVERSION_ERROR(ParseSidecar("3"), InvalidInput, "must be a JSON object");
}


TEST(BidsSidecar, SecondsBecomeMilliseconds)
{
  const BidsSidecar sidecar = ParseSidecar("{\"EchoTime\": 0.03, \"RepetitionTime\": 2.5, \"InversionTime\": 0.9}");
  EXPECT_EQ("30", Get(sidecar, DCM_EchoTime));
  EXPECT_EQ("2500", Get(sidecar, DCM_RepetitionTime));
  EXPECT_EQ("900", Get(sidecar, DCM_InversionTime));
  EXPECT_TRUE(sidecar.GetWarnings().empty()) << AllWarnings(sidecar);

  double v = 0;
  ASSERT_TRUE(sidecar.GetEchoTimeMs(v));
  EXPECT_DOUBLE_EQ(30.0, v);
  ASSERT_TRUE(sidecar.GetRepetitionTimeMs(v));
  EXPECT_DOUBLE_EQ(2500.0, v);

  // Products that are not exact in binary come out as a person would write them
  EXPECT_EQ("28.7", MapOne("EchoTime", "0.0287", DCM_EchoTime));
  EXPECT_EQ("2.46", MapOne("EchoTime", "0.00246", DCM_EchoTime));
  EXPECT_EQ("0.1", MapOne("EchoTime", "0.0001", DCM_EchoTime));
  EXPECT_EQ("3100", MapOne("RepetitionTime", "3.1", DCM_RepetitionTime));
  EXPECT_EQ("2000", MapOne("InversionTime", "2", DCM_InversionTime));
  EXPECT_EQ("0", MapOne("EchoTime", "0", DCM_EchoTime));

  // At the thresholds, still seconds
  EXPECT_EQ("1000", MapOne("EchoTime", "1", DCM_EchoTime));
  EXPECT_EQ("100000", MapOne("RepetitionTime", "100", DCM_RepetitionTime));
}


TEST(BidsSidecar, MillisecondLookAlikesAreTakenAsGivenWithAWarning)
{
  {
    const BidsSidecar sidecar = ParseSidecar("{\"EchoTime\": 30}");
    EXPECT_EQ("30", Get(sidecar, DCM_EchoTime));
    ASSERT_EQ(1u, sidecar.GetWarnings().size());
    EXPECT_NE(std::string::npos, sidecar.GetWarnings()[0].find("\"EchoTime\""));
    EXPECT_NE(std::string::npos, sidecar.GetWarnings()[0].find("milliseconds"));
    double v = 0;
    ASSERT_TRUE(sidecar.GetEchoTimeMs(v));
    EXPECT_DOUBLE_EQ(30.0, v);
  }
  {
    const BidsSidecar sidecar = ParseSidecar("{\"RepetitionTime\": 2000}");
    EXPECT_EQ("2000", Get(sidecar, DCM_RepetitionTime));
    EXPECT_EQ(1u, CountWarningsWith(sidecar, "\"RepetitionTime\""));
    double v = 0;
    ASSERT_TRUE(sidecar.GetRepetitionTimeMs(v));
    EXPECT_DOUBLE_EQ(2000.0, v);
  }
  {
    const BidsSidecar sidecar = ParseSidecar("{\"InversionTime\": 900}");
    EXPECT_EQ("900", Get(sidecar, DCM_InversionTime));
    EXPECT_EQ(1u, CountWarningsWith(sidecar, "\"InversionTime\""));
  }
}


TEST(BidsSidecar, DecimalsKeepTheirUnit)
{
  EXPECT_EQ("90", MapOne("FlipAngle", "90", DCM_FlipAngle));
  EXPECT_EQ("7.5", MapOne("FlipAngle", "7.5", DCM_FlipAngle));
  EXPECT_EQ("3", MapOne("MagneticFieldStrength", "3", DCM_MagneticFieldStrength));
  EXPECT_EQ("1.5", MapOne("MagneticFieldStrength", "1.5", DCM_MagneticFieldStrength));
  EXPECT_EQ("123.255", MapOne("ImagingFrequency", "123.255", DCM_ImagingFrequency));
  EXPECT_EQ("1.2", MapOne("SliceThickness", "1.2", DCM_SliceThickness));
  EXPECT_EQ("6", MapOne("SpacingBetweenSlices", "6", DCM_SpacingBetweenSlices));
  EXPECT_EQ("2315", MapOne("PixelBandwidth", "2315", DCM_PixelBandwidth));
  EXPECT_EQ("87.5", MapOne("PercentPhaseFieldOfView", "87.5", DCM_PercentPhaseFieldOfView));
  EXPECT_EQ("75", MapOne("PercentPhaseFOV", "75", DCM_PercentPhaseFieldOfView));  // dcm2niix's name
  EXPECT_EQ("100", MapOne("PercentSampling", "100", DCM_PercentSampling));

  // A Decimal String holds 16 characters
  const std::string frequency = MapOne("ImagingFrequency", "123.25512345678901234", DCM_ImagingFrequency);
  EXPECT_LE(frequency.size(), 16u);
  EXPECT_NEAR(123.25512345678901234, std::stod(frequency), 1e-11);

  const BidsSidecar sidecar = ParseSidecar("{\"FlipAngle\": 9, \"MagneticFieldStrength\": 2.89362}");
  double v = 0;
  ASSERT_TRUE(sidecar.GetFlipAngle(v));
  EXPECT_DOUBLE_EQ(9.0, v);
  ASSERT_TRUE(sidecar.GetMagneticFieldStrength(v));
  EXPECT_DOUBLE_EQ(2.89362, v);
}


TEST(BidsSidecar, TwoNamesOfThePhaseFieldOfView)
{
  const BidsSidecar same = ParseSidecar("{\"PercentPhaseFOV\": 75, \"PercentPhaseFieldOfView\": 75}");
  EXPECT_EQ(1u, same.GetAttributes().size());
  EXPECT_EQ("75", Get(same, DCM_PercentPhaseFieldOfView));
  EXPECT_TRUE(same.GetWarnings().empty()) << AllWarnings(same);

  const BidsSidecar different = ParseSidecar("{\"PercentPhaseFOV\": 75, \"PercentPhaseFieldOfView\": 80}");
  EXPECT_EQ(1u, different.GetAttributes().size());
  const std::string value = Get(different, DCM_PercentPhaseFieldOfView);
  EXPECT_TRUE(value == "75" || value == "80") << value;
  EXPECT_EQ(1u, CountWarningsWith(different, "disagrees"));
}


TEST(BidsSidecar, Integers)
{
  EXPECT_EQ("3", MapOne("SeriesNumber", "3", DCM_SeriesNumber));
  EXPECT_EQ("1001", MapOne("SeriesNumber", "1001.0", DCM_SeriesNumber));
  EXPECT_EQ("2147483647", MapOne("SeriesNumber", "2147483647", DCM_SeriesNumber));
  EXPECT_EQ("54", MapOne("EchoTrainLength", "54", DCM_EchoTrainLength));
  EXPECT_EQ("2", MapOne("EchoNumber", "2", DCM_EchoNumbers));
}


TEST(BidsSidecar, TextsGoToTheirAttribute)
{
  EXPECT_EQ("Siemens", MapOne("Manufacturer", "\"Siemens\"", DCM_Manufacturer));
  EXPECT_EQ("Prisma_fit", MapOne("ManufacturersModelName", "\"Prisma_fit\"", DCM_ManufacturerModelName));
  EXPECT_EQ("67060", MapOne("DeviceSerialNumber", "\"67060\"", DCM_DeviceSerialNumber));
  EXPECT_EQ("MRC35131", MapOne("StationName", "\"MRC35131\"", DCM_StationName));
  EXPECT_EQ("Hospital", MapOne("InstitutionName", "\"Hospital\"", DCM_InstitutionName));
  EXPECT_EQ("Medical Center Dr 5,Columbia,SC,US,29203",
            MapOne("InstitutionAddress", "\"Medical Center Dr 5,Columbia,SC,US,29203\"", DCM_InstitutionAddress));
  EXPECT_EQ("Radiology", MapOne("InstitutionalDepartmentName", "\"Radiology\"", DCM_InstitutionalDepartmentName));
  EXPECT_EQ("pasl_2d", MapOne("SeriesDescription", "\"pasl_2d\"", DCM_SeriesDescription));
  EXPECT_EQ("t1_mprage", MapOne("ProtocolName", "\"t1_mprage\"", DCM_ProtocolName));
  EXPECT_EQ("*epfid2d1_72", MapOne("SequenceName", "\"*epfid2d1_72\"", DCM_SequenceName));
  EXPECT_EQ("HeadNeck_20", MapOne("ReceiveCoilName", "\"HeadNeck_20\"", DCM_ReceiveCoilName));
  EXPECT_EQ("1H", MapOne("ImagedNucleus", "\"1H\"", DCM_ImagedNucleus));
  EXPECT_EQ("motion\nrepeated", MapOne("ImageComments", "\"motion\\nrepeated\"", DCM_ImageComments));

  EXPECT_EQ("Épaule droite", MapOne("SeriesDescription", "\"Épaule droite\"", DCM_SeriesDescription));

  const BidsSidecar sidecar = ParseSidecar("{\"SeriesDescription\": \"dwi_ap\"}");
  EXPECT_EQ("dwi_ap", sidecar.GetSeriesDescription());

  // An empty string says nothing
  EXPECT_TRUE(ParseSidecar("{\"Manufacturer\": \"\"}").IsEmpty());
  EXPECT_TRUE(ParseSidecar("{\"EchoTime\": null}").IsEmpty());
  EXPECT_TRUE(ParseSidecar("{\"AcquisitionTime\": \"\"}").IsEmpty());
}


TEST(BidsSidecar, TextsAreCutToTheMaximumOfTheirVr)
{
  struct Case
  {
    const char* key;
    DcmTagKey   tag;
    size_t      maximum;   // PS3.5 table 6.2-1
  };
  const Case cases[] =
  {
    { "Manufacturer", DCM_Manufacturer, 64 },                              // LO
    { "ManufacturersModelName", DCM_ManufacturerModelName, 64 },            // LO
    { "DeviceSerialNumber", DCM_DeviceSerialNumber, 64 },                   // LO
    { "InstitutionName", DCM_InstitutionName, 64 },                         // LO
    { "InstitutionalDepartmentName", DCM_InstitutionalDepartmentName, 64 }, // LO
    { "SeriesDescription", DCM_SeriesDescription, 64 },                     // LO
    { "ProtocolName", DCM_ProtocolName, 64 },                               // LO
    { "StationName", DCM_StationName, 16 },                                 // SH
    { "SequenceName", DCM_SequenceName, 16 },                               // SH
    { "ReceiveCoilName", DCM_ReceiveCoilName, 16 },                         // SH
    { "ImagedNucleus", DCM_ImagedNucleus, 16 },                             // SH
    { "InstitutionAddress", DCM_InstitutionAddress, 1024 },                 // ST
    { "ImageComments", DCM_ImageComments, 10240 }                           // LT
  };

  for (const Case& c : cases)
  {
    // Exactly the maximum: kept whole, no warning
    {
      const std::string text = Repeat("x", c.maximum);
      const BidsSidecar sidecar = ParseSidecar("{\"" + std::string(c.key) + "\": \"" + text + "\"}");
      EXPECT_EQ(text, Get(sidecar, c.tag)) << c.key;
      // (a scanner key without the Manufacturer is told apart)
      EXPECT_EQ(sidecar.GetWarnings().size(), CountWarningsWith(sidecar, "without \"Manufacturer\""))
        << c.key << ": " << AllWarnings(sidecar);
    }

    // One more: cut, with a warning
    {
      const std::string text = Repeat("y", c.maximum) + "z";
      const BidsSidecar sidecar = ParseSidecar("{\"" + std::string(c.key) + "\": \"" + text + "\"}");
      EXPECT_EQ(Repeat("y", c.maximum), Get(sidecar, c.tag)) << c.key;
      EXPECT_EQ(1u, CountWarningsWith(sidecar, "cut")) << c.key << ": " << AllWarnings(sidecar);
    }
  }

  // Characters, not bytes: "é" is 2 bytes in UTF-8
  const BidsSidecar sidecar = ParseSidecar("{\"SeriesDescription\": \"" + Repeat("\xC3\xA9", 70) + "\"}");
  const std::string value = Get(sidecar, DCM_SeriesDescription);
  EXPECT_EQ(64u, CountCharacters(value));
  EXPECT_EQ(128u, value.size());
  EXPECT_EQ(value, sidecar.GetSeriesDescription());
}


TEST(BidsSidecar, BackslashesInSingleValuedTexts)
{
  // LO: a backslash would split the value in two
  const BidsSidecar lo = ParseSidecar("{\"ProtocolName\": \"a\\\\b\"}");
  EXPECT_EQ("a/b", Get(lo, DCM_ProtocolName));
  EXPECT_EQ(1u, CountWarningsWith(lo, "backslash"));

  // ST and LT may contain backslashes
  EXPECT_EQ("a\\b", MapOne("InstitutionAddress", "\"a\\\\b\"", DCM_InstitutionAddress));
  EXPECT_EQ("a\\b", MapOne("ImageComments", "\"a\\\\b\"", DCM_ImageComments));

  // Control characters are not allowed in LO
  const BidsSidecar control = ParseSidecar("{\"SeriesDescription\": \"a\\tb\\nc\"}");
  EXPECT_EQ("a b c", Get(control, DCM_SeriesDescription));
  EXPECT_EQ(1u, control.GetWarnings().size());
}


// SoftwareVersions has no public home: dcm2niix would take "syngo MR XA..." in
// Contributing Equipment for a Siemens XA and invent multiband and slice timing
TEST(BidsSidecar, SoftwareVersionsOnlyInThePrivateCopy)
{
  const BidsSidecar sidecar = ParseSidecar("{\"SoftwareVersions\": \"syngo MR XA10\", \"Manufacturer\": \"Siemens\"}");
  EXPECT_EQ("<absent>", Get(sidecar, DCM_SoftwareVersions));
  ASSERT_EQ(1u, sidecar.GetUnmappedKeys().size());
  EXPECT_EQ("SoftwareVersions", sidecar.GetUnmappedKeys()[0]);
}


TEST(BidsSidecar, CodeStringsAreUpperCase)
{
  EXPECT_EQ("BRAIN", MapOne("BodyPartExamined", "\"brain\"", DCM_BodyPartExamined));
  EXPECT_EQ("HFS", MapOne("PatientPosition", "\"hfs\"", DCM_PatientPosition));
  EXPECT_EQ("FFS", MapOne("PatientPosition", "\"FFS\"", DCM_PatientPosition));
  EXPECT_EQ("3D", MapOne("MRAcquisitionType", "\"3d\"", DCM_MRAcquisitionType));
  EXPECT_EQ("2D", MapOne("MRAcquisitionType", "\"2D\"", DCM_MRAcquisitionType));

  // Characters a CS does not allow become underscores; 16 characters at most
  const BidsSidecar sidecar = ParseSidecar("{\"BodyPartExamined\": \"Head-Neck\"}");
  EXPECT_EQ("HEAD_NECK", Get(sidecar, DCM_BodyPartExamined));
  EXPECT_EQ(1u, sidecar.GetWarnings().size());

  const BidsSidecar longCode = ParseSidecar("{\"BodyPartExamined\": \"abdomenpelvisextremity\"}");
  EXPECT_EQ("ABDOMENPELVISEXT", Get(longCode, DCM_BodyPartExamined));
  EXPECT_EQ(1u, CountWarningsWith(longCode, "cut"));
}


TEST(BidsSidecar, MultiValuedCodeStrings)
{
  // Underscores between values, as dcm2niix wrote them before 2020
  EXPECT_EQ("GR\\IR", MapOne("ScanningSequence", "\"GR_IR\"", DCM_ScanningSequence));
  EXPECT_EQ("SK\\SP\\MP", MapOne("SequenceVariant", "\"SK_SP_MP\"", DCM_SequenceVariant));
  EXPECT_EQ("PFP\\FS", MapOne("ScanOptions", "\"PFP_FS\"", DCM_ScanOptions));
  EXPECT_EQ("EP", MapOne("ScanningSequence", "\"EP\"", DCM_ScanningSequence));
  EXPECT_EQ("NONE", MapOne("SequenceVariant", "\"NONE\"", DCM_SequenceVariant));

  // Backslashes, as dcm2niix v1.0.20220720 writes them ("PFP\\SAT1\\FS" in JSON)
  EXPECT_EQ("PFP\\SAT1\\FS", MapOne("ScanOptions", "\"PFP\\\\SAT1\\\\FS\"", DCM_ScanOptions));
  EXPECT_EQ("FAST_GEMS\\EDR_GEMS", MapOne("ScanOptions", "\"FAST_GEMS\\\\EDR_GEMS\"", DCM_ScanOptions));

  // GE's private terms keep their underscore
  EXPECT_EQ("FAST_GEMS\\EDR_GEMS\\PFF", MapOne("ScanOptions", "\"FAST_GEMS_EDR_GEMS_PFF\"", DCM_ScanOptions));

  // Lists
  EXPECT_EQ("SK\\SP\\MP", MapOne("SequenceVariant", "[\"SK\", \"sp\", \"MP\"]", DCM_SequenceVariant));
  EXPECT_EQ("SE", MapOne("ScanningSequence", "[\"SE\"]", DCM_ScanningSequence));

  // Empty values dropped
  EXPECT_EQ("GR\\IR", MapOne("ScanningSequence", "\"GR__IR_\"", DCM_ScanningSequence));
  EXPECT_TRUE(ParseSidecar("{\"ScanOptions\": \"\"}").IsEmpty());
  EXPECT_TRUE(ParseSidecar("{\"ScanOptions\": []}").IsEmpty());
}


TEST(BidsSidecar, AcquisitionTime)
{
  EXPECT_EQ("131934.087500", MapOne("AcquisitionTime", "\"13:19:34.087500\"", DCM_AcquisitionTime));
  EXPECT_EQ("080500", MapOne("AcquisitionTime", "\"08:05:00\"", DCM_AcquisitionTime));
  EXPECT_EQ("235959.5", MapOne("AcquisitionTime", "\"23:59:59.5\"", DCM_AcquisitionTime));
  EXPECT_EQ("235960.5", MapOne("AcquisitionTime", "\"23:59:60.5\"", DCM_AcquisitionTime));   // a leap second

  // DICOM times stop at microseconds
  const BidsSidecar sidecar = ParseSidecar("{\"AcquisitionTime\": \"13:19:34.0875001234\"}");
  EXPECT_EQ("131934.087500", Get(sidecar, DCM_AcquisitionTime));
  EXPECT_EQ(1u, CountWarningsWith(sidecar, "microseconds"));
}


TEST(BidsSidecar, PhaseEncodingDirection)
{
  // Voxel index i runs along a DICOM row, j along a column
  EXPECT_EQ("ROW", MapOne("PhaseEncodingDirection", "\"i\"", DCM_InPlanePhaseEncodingDirection));
  EXPECT_EQ("ROW", MapOne("PhaseEncodingDirection", "\"i-\"", DCM_InPlanePhaseEncodingDirection));
  EXPECT_EQ("COL", MapOne("PhaseEncodingDirection", "\"j\"", DCM_InPlanePhaseEncodingDirection));
  EXPECT_EQ("COL", MapOne("PhaseEncodingDirection", "\"j-\"", DCM_InPlanePhaseEncodingDirection));
  EXPECT_EQ("COL", MapOne("PhaseEncodingAxis", "\"j\"", DCM_InPlanePhaseEncodingDirection));
  EXPECT_EQ("ROW", MapOne("PhaseEncodingAxis", "\"i\"", DCM_InPlanePhaseEncodingDirection));
  EXPECT_EQ("ROW", MapOne("InPlanePhaseEncodingDirectionDICOM", "\"ROW\"", DCM_InPlanePhaseEncodingDirection));

  for (const char* k : { "\"k\"", "\"k-\"" })
  {
    const BidsSidecar sidecar = ParseSidecar(std::string("{\"PhaseEncodingDirection\": ") + k + "}");
    EXPECT_TRUE(sidecar.IsEmpty()) << k;
    EXPECT_EQ(1u, CountWarningsWith(sidecar, "PhaseEncodingDirection")) << k;
    EXPECT_EQ(0u, CountWarningsWith(sidecar, "ignored")) << k;
  }

  // What the NIfTI says wins over the source DICOM's axis
  const BidsSidecar reoriented = ParseSidecar("{\"PhaseEncodingDirection\": \"i\", "
                                              "\"InPlanePhaseEncodingDirectionDICOM\": \"COL\"}");
  EXPECT_EQ("ROW", Get(reoriented, DCM_InPlanePhaseEncodingDirection));
  EXPECT_EQ(1u, CountWarningsWith(reoriented, "disagrees"));

  const BidsSidecar agree = ParseSidecar("{\"PhaseEncodingDirection\": \"j-\", \"PhaseEncodingAxis\": \"j\", "
                                         "\"InPlanePhaseEncodingDirectionDICOM\": \"COL\"}");
  EXPECT_EQ(1u, agree.GetAttributes().size());
  EXPECT_EQ("COL", Get(agree, DCM_InPlanePhaseEncodingDirection));
  EXPECT_TRUE(agree.GetWarnings().empty()) << AllWarnings(agree);
}


TEST(BidsSidecar, KeysWithoutAttributeAreListedInOneWarning)
{
  BidsSidecar sidecar = ParseSidecar(
    "{\"SliceTiming\": [0, 0.5, 1], \"EffectiveEchoSpacing\": 0.0005, \"Modality\": \"MR\", "
    "\"TotalReadoutTime\": 0.035, \"MultibandAccelerationFactor\": 4, \"ConversionSoftware\": \"dcm2niix\", "
    "\"ConversionSoftwareVersion\": \"v1.0.20220720\", \"BidsGuess\": [\"anat\", \"_T1w\"], "
    "\"PhaseEncodingPolarityGE\": \"Unflipped\", \"EchoTime\": 0.03, \"ImageType\": [\"ORIGINAL\"], "
    "\"ReconMatrixPE\": 64, \"ImageOrientationPatientDICOM\": [1, 0, 0, 0, 1, 0], \"StudyDescription\": \"x\"}");

  EXPECT_EQ(1u, sidecar.GetAttributes().size());
  EXPECT_EQ("30", Get(sidecar, DCM_EchoTime));
  const std::string keys = "BidsGuess, ConversionSoftware, ConversionSoftwareVersion, EffectiveEchoSpacing, "
    "MultibandAccelerationFactor, PhaseEncodingPolarityGE, SliceTiming, TotalReadoutTime";
  ASSERT_EQ(1u, sidecar.GetWarnings().size());
  EXPECT_EQ("Sidecar keys that no public DICOM attribute holds: " + keys + "; they are not kept (no private copy "
            "of the sidecar)", sidecar.GetWarnings()[0]);
  EXPECT_EQ(8u, sidecar.GetUnmappedKeys().size());

  // With the private copy, the warning says where they are
  sidecar.SetVerbatim("{\"SliceTiming\": [0, 0.5, 1]}");
  ASSERT_EQ(1u, sidecar.GetWarnings().size());
  EXPECT_EQ("Sidecar keys that no public DICOM attribute holds: " + keys + "; they are kept only in the private "
            "copy of the sidecar (0011,1001)", sidecar.GetWarnings()[0]);

  // Keys whose attribute the plugin decides, alone: nothing to say
  const BidsSidecar modality = ParseSidecar("{\"Modality\": \"MR\", \"ImageType\": [\"ORIGINAL\"], "
                                            "\"ReconMatrixPE\": 64, \"StudyDescription\": \"x\"}");
  EXPECT_TRUE(modality.IsEmpty());
  EXPECT_TRUE(modality.GetWarnings().empty());
}


TEST(BidsSidecar, RefusesWrongTypesOfTimes)
{
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"EchoTime\": -0.03}"), InvalidInput, "negative");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"EchoTime\": true}"), InvalidInput, "found a boolean");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"EchoTime\": \"thirty\"}"), InvalidInput,
                          "\"EchoTime\" must be a number of seconds, e.g. 0.03; found the string \"thirty\"");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"RepetitionTime\": \"2.5 s\"}"), InvalidInput,
                          "\"RepetitionTime\" must be a number of seconds");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"RepetitionTime\": -2.5}"), InvalidInput, "\"RepetitionTime\"");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"InversionTime\": {\"value\": 0.9}}"), InvalidInput,
                          "\"InversionTime\" must be a number of seconds");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"EchoTime\": \"nan\"}"), InvalidInput, "not a number");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"EchoTime\": \"0x10\"}"), InvalidInput, "not a number");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"EchoTime\": [\"a\"]}"), InvalidInput, "not a number");
}


TEST(BidsSidecar, RefusesWrongTypesOfDecimals)
{
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"FlipAngle\": -5}"), InvalidInput, "negative");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"MagneticFieldStrength\": \"3T\"}"), InvalidInput,
                          "\"MagneticFieldStrength\" must be a number of tesla");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"PercentPhaseFieldOfView\": \"100%\"}"), InvalidInput,
                          "\"PercentPhaseFieldOfView\" must be a percentage");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"PercentSampling\": false}"), InvalidInput,
                          "\"PercentSampling\" must be a percentage");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"SAR\": {}}"), InvalidInput, "\"SAR\" must be");
}


TEST(BidsSidecar, RefusesWrongTypesOfIntegers)
{
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"SeriesNumber\": \"three\"}"), InvalidInput,
                          "\"SeriesNumber\" must be a whole number");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"SeriesNumber\": 3.5}"), InvalidInput, "not a whole number");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"SeriesNumber\": \"3.5\"}"), InvalidInput, "not a whole number");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"SeriesNumber\": -1}"), InvalidInput, "outside the range");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"SeriesNumber\": 2147483648}"), InvalidInput, "outside the range");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"AcquisitionNumber\": true}"), InvalidInput,
                          "\"AcquisitionNumber\" must be a whole number");
}


TEST(BidsSidecar, RefusesWrongTypesOfStrings)
{
  const char* const textKeys[] =
  {
    "Manufacturer", "ManufacturersModelName", "DeviceSerialNumber", "StationName", "InstitutionName",
    "InstitutionAddress", "InstitutionalDepartmentName", "SeriesDescription", "ProtocolName", "SequenceName",
    "ReceiveCoilName", "ImagedNucleus", "ImageComments", "MRAcquisitionType", "BodyPartExamined", "BodyPart",
    "PatientPosition", "AcquisitionTime", "AcquisitionDateTime", "PhaseEncodingDirection", "PhaseEncodingAxis",
    "InPlanePhaseEncodingDirectionDICOM", "ProcedureStepDescription", "PulseSequenceName"
  };
  for (const char* key : textKeys)
  {
    EXPECT_CONVERSION_ERROR(ParseSidecar("{\"" + std::string(key) + "\": {\"a\": 1}}"), InvalidInput,
                            "\"" + std::string(key) + "\" must be");
    EXPECT_CONVERSION_ERROR(ParseSidecar("{\"" + std::string(key) + "\": true}"), InvalidInput, "found a boolean");
    EXPECT_CONVERSION_ERROR(ParseSidecar("{\"" + std::string(key) + "\": [[\"a\"]]}"), InvalidInput,
                            "found a list");
  }

  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"ScanningSequence\": false}"), InvalidInput,
                          "\"ScanningSequence\" must be a string or a list of strings");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"SequenceVariant\": [\"SK\", [5]]}"), InvalidInput, "item 1");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"ScanOptions\": {\"a\": \"FS\"}}"), InvalidInput,
                          "\"ScanOptions\" must be");
}


TEST(BidsSidecar, RefusesMalformedValues)
{
  for (const char* time : { "\"13h19\"", "\"1319340875\"", "\"25:00:00\"", "\"12:60:00\"", "\"12:00:00.\"",
                            "\"12:00:00,5\"", "\"123:00:00\"", "\"12:00:00.5x\"", "\"12:00\"", "\"12:00:61\"",
                            "\"::\"", "\"3\"" })
  {
    EXPECT_CONVERSION_ERROR(ParseSidecar(std::string("{\"AcquisitionTime\": ") + time + "}"), InvalidInput,
                            "\"AcquisitionTime\" must be a time of day \"HH:MM:SS.ffffff\"");
  }

  for (const char* dateTime : { "\"2019-02-30T12:00:00\"", "\"2019-13-01T12:00:00\"", "\"2019-1-01T12:00:00\"",
                                "\"+10000-01-01T12:00:00\"", "\"2019-01-01T25:00:00\"", "\"2019-01-01\"",
                                "\"2019-01-01T\"", "\"20190101\"", "\"2018-02-29T00:00:00\"" })
  {
    EXPECT_CONVERSION_ERROR(ParseSidecar(std::string("{\"AcquisitionDateTime\": ") + dateTime + "}"), InvalidInput,
                            "\"AcquisitionDateTime\" must be a date and time");
  }

  for (const char* direction : { "\"x\"", "\"i+\"", "\"-j\"", "\"\"", "\"ROW\"", "\"I\"" })
  {
    EXPECT_CONVERSION_ERROR(ParseSidecar(std::string("{\"PhaseEncodingDirection\": ") + direction + "}"),
                            InvalidInput, "\"PhaseEncodingDirection\" must be one of");
  }
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"PhaseEncodingAxis\": \"j-\"}"), InvalidInput,
                          "\"PhaseEncodingAxis\" must be one of");
  EXPECT_CONVERSION_ERROR(ParseSidecar("{\"InPlanePhaseEncodingDirectionDICOM\": \"ROWS\"}"), InvalidInput,
                          "\"InPlanePhaseEncodingDirectionDICOM\" must be \"ROW\" or \"COL\"");
}


TEST(BidsSidecar, SidecarOfDcm2niix)
{
  // Written by dcm2niix v1.0.20220720 for the Siemens ASL mosaic of dicom3tools
  const BidsSidecar sidecar = ParseSidecar(R"json({
    "Modality": "MR", "MagneticFieldStrength": 3, "ImagingFrequency": 123.255, "Manufacturer": "Siemens",
    "ManufacturersModelName": "Prisma_fit", "InstitutionName": "R", "InstitutionalDepartmentName": "Radiology",
    "InstitutionAddress": "Medical Center Dr 5,Columbia,SC,US,29203", "DeviceSerialNumber": "67060",
    "StationName": "MRC35131", "BodyPartExamined": "BRAIN", "PatientPosition": "HFS",
    "ProcedureStepDescription": "E11C_new_sequences^E11C_ResearchSequences", "SoftwareVersions": "syngo MR E11",
    "MRAcquisitionType": "2D", "SeriesDescription": "pasl_2d", "ProtocolName": "pasl_2d",
    "ScanningSequence": "EP", "SequenceVariant": "SK", "ScanOptions": "PFP\\SAT1\\FS",
    "SequenceName": "*epfid2d1_72", "ImageType": ["ORIGINAL", "PRIMARY", "ASL", "NONE", "ND", "NORM", "MOSAIC"],
    "NonlinearGradientCorrection": false, "SeriesNumber": 3, "AcquisitionTime": "13:19:34.087500",
    "AcquisitionNumber": 51, "SliceThickness": 5, "SpacingBetweenSlices": 6, "SAR": 0.217849,
    "EchoTime": 0.014, "RepetitionTime": 3.1, "FlipAngle": 90, "BolusDuration": 0.8, "InversionTime": 2,
    "ArterialSpinLabelingType": "PASL", "AcquisitionVoxelSize": [3, 3, 5], "PartialFourier": 0.75,
    "BaseResolution": 72, "ShimSetting": [6769, -6608, 2497, 366, 2, -197, 290, 78], "TxRefAmp": 272.8,
    "PhaseResolution": 1, "ReceiveCoilName": "HeadNeck_20", "CoilString": "HE1-4",
    "PulseSequenceDetails": "%SiemensSeq%\\ep2d_pasl", "CoilCombinationMethod": "Adaptive Combine",
    "ConsistencyInfo": "N4_VE11C_LATEST_20160120", "MatrixCoilMode": "SENSE", "PercentPhaseFOV": 100,
    "PercentSampling": 100, "EchoTrainLength": 54, "PhaseEncodingSteps": 54, "AcquisitionMatrixPE": 72,
    "ReconMatrixPE": 72, "BandwidthPerPixelPhaseEncode": 27.778, "EffectiveEchoSpacing": 0.000499996,
    "DerivedVendorReportedEchoSpacing": 0.000499996, "TotalReadoutTime": 0.0354997, "PixelBandwidth": 2315,
    "DwellTime": 3e-06, "PhaseEncodingDirection": "j-", "SliceTiming": [0, 0.0475, 0.0925, 0.14],
    "ImageOrientationPatientDICOM": [0.998027, 0, -0.0627905, 0, 1, 0], "ImageOrientationText": "Tra>Sag(-3.6)",
    "InPlanePhaseEncodingDirectionDICOM": "COL", "ConversionSoftware": "dcm2niix",
    "ConversionSoftwareVersion": "v1.0.20220720" })json");

  const std::vector<std::pair<DcmTagKey, std::string> > expected =
  {
    { DCM_MagneticFieldStrength, "3" }, { DCM_ImagingFrequency, "123.255" }, { DCM_BodyPartExamined, "BRAIN" },
    { DCM_PatientPosition, "HFS" }, { DCM_PerformedProcedureStepDescription, "E11C_new_sequences^E11C_ResearchSequences" },
    { DCM_MRAcquisitionType, "2D" }, { DCM_SeriesDescription, "pasl_2d" },
    { DCM_ProtocolName, "pasl_2d" }, { DCM_ScanningSequence, "EP" }, { DCM_SequenceVariant, "SK" },
    { DCM_ScanOptions, "PFP\\SAT1\\FS" }, { DCM_SequenceName, "*epfid2d1_72" }, { DCM_SeriesNumber, "3" },
    { DCM_AcquisitionTime, "131934.087500" }, { DCM_AcquisitionNumber, "51" }, { DCM_SliceThickness, "5" },
    { DCM_SpacingBetweenSlices, "6" }, { DCM_SAR, "0.217849" },
    { DCM_EchoTime, "14" }, { DCM_RepetitionTime, "3100" }, { DCM_FlipAngle, "90" }, { DCM_InversionTime, "2000" },
    { DCM_ReceiveCoilName, "HeadNeck_20" }, { DCM_PercentPhaseFieldOfView, "100" }, { DCM_PercentSampling, "100" },
    { DCM_EchoTrainLength, "54" }, { DCM_NumberOfPhaseEncodingSteps, "54" }, { DCM_AcquisitionMatrix, "0\\0\\0\\72" },
    { DCM_PixelBandwidth, "2315" }, { DCM_InPlanePhaseEncodingDirection, "COL" }
  };

  EXPECT_EQ(expected.size(), sidecar.GetAttributes().size());
  for (const auto& e : expected)
  {
    EXPECT_EQ(e.second, Get(sidecar, e.first)) << e.first.toString().c_str();
  }

  // The scanner: in Contributing Equipment, not among the acquisition's attributes
  const std::vector<std::pair<DcmTagKey, std::string> > scanner =
  {
    { DCM_Manufacturer, "Siemens" }, { DCM_ManufacturerModelName, "Prisma_fit" }, { DCM_InstitutionName, "R" },
    { DCM_InstitutionalDepartmentName, "Radiology" },
    { DCM_InstitutionAddress, "Medical Center Dr 5,Columbia,SC,US,29203" }, { DCM_DeviceSerialNumber, "67060" },
    { DCM_StationName, "MRC35131" }
  };
  EXPECT_EQ(scanner.size(), sidecar.GetScannerEquipment().GetEntries().size());
  for (const auto& e : scanner)
  {
    std::string value;
    EXPECT_TRUE(sidecar.GetScannerEquipment().Lookup(value, e.first)) << e.first.toString().c_str();
    EXPECT_EQ(e.second, value);
    EXPECT_FALSE(sidecar.Lookup(value, e.first)) << e.first.toString().c_str();
  }

  // Sorted by tag, no tag twice
  for (size_t i = 1; i < sidecar.GetAttributes().size(); i++)
  {
    EXPECT_TRUE(sidecar.GetAttributes()[i - 1].first < sidecar.GetAttributes()[i].first);
  }

  std::vector<std::string> ignored =
  {
    "NonlinearGradientCorrection", "BolusDuration", "ArterialSpinLabelingType", "AcquisitionVoxelSize",
    "PartialFourier", "BaseResolution", "ShimSetting", "TxRefAmp", "PhaseResolution", "CoilString",
    "PulseSequenceDetails", "CoilCombinationMethod", "ConsistencyInfo", "MatrixCoilMode",
    "BandwidthPerPixelPhaseEncode", "EffectiveEchoSpacing", "DerivedVendorReportedEchoSpacing", "TotalReadoutTime",
    "DwellTime", "SliceTiming", "ImageOrientationText", "ConversionSoftware", "ConversionSoftwareVersion",
    "SoftwareVersions"
  };
  std::sort(ignored.begin(), ignored.end());
  std::string list;
  for (const std::string& key : ignored)
  {
    list += (list.empty() ? "" : ", ") + key;
  }

  ASSERT_EQ(1u, sidecar.GetWarnings().size()) << AllWarnings(sidecar);
  EXPECT_EQ("Sidecar keys that no public DICOM attribute holds: " + list + "; they are not kept (no private copy "
            "of the sidecar)", sidecar.GetWarnings()[0]);

  double v = 0;
  ASSERT_TRUE(sidecar.GetEchoTimeMs(v));
  EXPECT_DOUBLE_EQ(14.0, v);
  ASSERT_TRUE(sidecar.GetRepetitionTimeMs(v));
  EXPECT_DOUBLE_EQ(3100.0, v);
  ASSERT_TRUE(sidecar.GetFlipAngle(v));
  EXPECT_DOUBLE_EQ(90.0, v);
  ASSERT_TRUE(sidecar.GetMagneticFieldStrength(v));
  EXPECT_DOUBLE_EQ(3.0, v);
  EXPECT_EQ("pasl_2d", sidecar.GetSeriesDescription());
}


TEST(BidsSidecar, ApplyToGivesValidDicomValues)
{
  const BidsSidecar sidecar = ParseSidecar(
    "{\"EchoTime\": 0.0287, \"RepetitionTime\": 2.5, \"InversionTime\": 0.9, \"FlipAngle\": 9, "
    "\"MagneticFieldStrength\": 3, \"ImagingFrequency\": 123.25512345678901, \"Manufacturer\": \"Siemens\", "
    "\"ManufacturersModelName\": \"Prisma_fit\", \"DeviceSerialNumber\": \"67060\", \"StationName\": \"MRC35131\", "
    "\"SoftwareVersions\": [\"syngo MR E11\", \"N4\"], \"InstitutionName\": \"H\", \"InstitutionAddress\": \"a\\\\b\", "
    "\"InstitutionalDepartmentName\": \"Radiology\", \"SeriesDescription\": \"" + Repeat("\xC3\xA9", 80) + "\", "
    "\"ProtocolName\": \"p\\\\q\", \"ScanningSequence\": \"GR_IR\", \"SequenceVariant\": \"SK_SP_MP\", "
    "\"ScanOptions\": \"IR\", \"SequenceName\": \"*tfl3d1_16ns\", \"MRAcquisitionType\": \"3D\", "
    "\"SeriesNumber\": 4, \"AcquisitionTime\": \"12:01:02.5\", \"SliceThickness\": 1, "
    "\"SpacingBetweenSlices\": 1, \"PhaseEncodingDirection\": \"j-\", \"EchoTrainLength\": 1, "
    "\"PixelBandwidth\": 240, \"ReceiveCoilName\": \"Head_32\", \"BodyPartExamined\": \"brain\", "
    "\"PatientPosition\": \"HFS\", \"ImageComments\": \"line 1\\nline 2\", \"EchoNumber\": 1, "
    "\"PercentPhaseFieldOfView\": 93.75, \"PercentSampling\": 100, \"ImagedNucleus\": \"1H\", "
    "\"ParallelReductionFactorInPlane\": 2, \"SAR\": 0.0379908, \"AcquisitionNumber\": 1, "
    "\"AcquisitionMatrixPE\": 86, \"PhaseEncodingSteps\": 86, \"ProcedureStepDescription\": \"Brain\", "
    "\"NumberOfAverages\": 6, \"PulseSequenceName\": \"epiRT\", "
    "\"AcquisitionDateTime\": \"2019-04-26T14:13:5.990000\"}");

  // 28 of the acquisition, 2 from AcquisitionDateTime (date and time), 8 more keys;
  // the scanner's 7 are apart (and SoftwareVersions, in no attribute)
  EXPECT_EQ(38u, sidecar.GetAttributes().size());
  EXPECT_EQ(7u, sidecar.GetScannerEquipment().GetEntries().size());
  EXPECT_EQ("120102.5", Get(sidecar, DCM_AcquisitionTime));   // AcquisitionTime's, not the date-time's
  EXPECT_EQ("20190426", Get(sidecar, DCM_AcquisitionDate));
  EXPECT_EQ("20190426141305.990000", Get(sidecar, DCM_AcquisitionDateTime));

  // Values are UTF-8: checkValue() reads the length of LO in characters under ISO_IR 192
  DcmDataset dataset;
  ASSERT_TRUE(dataset.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192").good());
  ASSERT_TRUE(dataset.putAndInsertString(DCM_EchoTime, "99").good());
  sidecar.ApplyTo(dataset);

  // Every value read back, valid for the VR and VM of DCMTK's dictionary
  for (const auto& attribute : sidecar.GetAttributes())
  {
    DcmElement* element = nullptr;
    ASSERT_TRUE(dataset.findAndGetElement(attribute.first, element).good()) << attribute.first.toString().c_str();
    ASSERT_NE(nullptr, element);

    OFString value;
    ASSERT_TRUE(element->getOFStringArray(value).good());
    EXPECT_EQ(attribute.second, value.c_str()) << attribute.first.toString().c_str();

    const DcmTag tag(attribute.first);
    EXPECT_EQ(tag.getEVR(), element->getTag().getEVR()) << attribute.first.toString().c_str();

    const OFCondition check = element->checkValue("1-n", OFTrue);
    EXPECT_TRUE(check.good()) << attribute.first.toString().c_str() << " \"" << value << "\": " << check.text();

    int vmMin = 0, vmMax = 0;
    {
      const DcmDataDictionary& dictionary = dcmDataDict.rdlock();
      const DcmDictEntry* entry = dictionary.findEntry(attribute.first, nullptr);
      if (entry != nullptr)
      {
        vmMin = entry->getVMMin();
        vmMax = entry->getVMMax();
      }
      dcmDataDict.rdunlock();
    }
    ASSERT_GT(vmMin, 0) << attribute.first.toString().c_str();
    EXPECT_GE(static_cast<int>(element->getVM()), vmMin) << attribute.first.toString().c_str();
    if (vmMax != DcmVariableVM)
    {
      EXPECT_LE(static_cast<int>(element->getVM()), vmMax) << attribute.first.toString().c_str();
    }
  }

  OFString echoTime;
  ASSERT_TRUE(dataset.findAndGetOFString(DCM_EchoTime, echoTime).good());
  EXPECT_EQ("28.7", std::string(echoTime.c_str()));  // the value in place was replaced

  Float64 ms = 0;
  ASSERT_TRUE(dataset.findAndGetFloat64(DCM_RepetitionTime, ms).good());
  EXPECT_DOUBLE_EQ(2500.0, ms);

  OFString sequence;
  ASSERT_TRUE(dataset.findAndGetOFString(DCM_ScanningSequence, sequence, 1).good());
  EXPECT_EQ("IR", std::string(sequence.c_str()));
}


// What dcm2niix releases write, besides the tidy form
TEST(BidsSidecar, TimesWithoutLeadingZeros)
{
  // "%02.6f" counts the fraction in its width: 5.99 s is "5.990000"
  EXPECT_EQ("141305.990000", MapOne("AcquisitionTime", "\"14:13:5.990000\"", DCM_AcquisitionTime));
  EXPECT_EQ("141300.500000", MapOne("AcquisitionTime", "\"14:13:0.500000\"", DCM_AcquisitionTime));
  EXPECT_EQ("090500", MapOne("AcquisitionTime", "\"9:5:0\"", DCM_AcquisitionTime));
  EXPECT_EQ("141305.99", MapOne("AcquisitionTime", "\"141305.99\"", DCM_AcquisitionTime));   // DICOM's own form
  EXPECT_EQ("235960.000000", MapOne("AcquisitionTime", "\"23:59:60.000000\"", DCM_AcquisitionTime));

  const BidsSidecar sidecar = ParseSidecar("{\"AcquisitionDateTime\": \"2019-04-26T14:13:5.990000\"}");
  EXPECT_EQ("20190426141305.990000", Get(sidecar, DCM_AcquisitionDateTime));
  EXPECT_EQ("20190426", Get(sidecar, DCM_AcquisitionDate));
  EXPECT_EQ("141305.990000", Get(sidecar, DCM_AcquisitionTime));
  EXPECT_TRUE(sidecar.GetWarnings().empty()) << AllWarnings(sidecar);
  std::string key;
  ASSERT_TRUE(sidecar.GetSourceKey(key, DCM_AcquisitionDate));
  EXPECT_EQ("AcquisitionDateTime", key);

  EXPECT_EQ("20240229000000", Get(ParseSidecar("{\"AcquisitionDateTime\": \"2024-02-29T00:00:00\"}"),
                                  DCM_AcquisitionDateTime));
}


TEST(BidsSidecar, BodyPartUnderBothNames)
{
  EXPECT_EQ("BRAIN", MapOne("BodyPart", "\"BRAIN\"", DCM_BodyPartExamined));
  EXPECT_EQ("HEAD", MapOne("BodyPartExamined", "\"HEAD\"", DCM_BodyPartExamined));

  const BidsSidecar both = ParseSidecar("{\"BodyPart\": \"BRAIN\", \"BodyPartExamined\": \"BRAIN\"}");
  EXPECT_EQ(1u, both.GetAttributes().size());
  EXPECT_TRUE(both.GetWarnings().empty()) << AllWarnings(both);

  const BidsSidecar different = ParseSidecar("{\"BodyPart\": \"BRAIN\", \"BodyPartExamined\": \"HEAD\"}");
  EXPECT_EQ("BRAIN", Get(different, DCM_BodyPartExamined));   // the first in key order
  EXPECT_EQ(1u, CountWarningsWith(different, "disagrees"));

  std::string key;
  ASSERT_TRUE(different.GetSourceKey(key, DCM_BodyPartExamined));
  EXPECT_EQ("BodyPart", key);
}


TEST(BidsSidecar, ListsOfOneAndNumbersAsStrings)
{
  EXPECT_EQ("30", MapOne("EchoTime", "[0.03]", DCM_EchoTime));
  EXPECT_EQ("30", MapOne("EchoTime", "\"0.03\"", DCM_EchoTime));
  EXPECT_EQ("30", MapOne("EchoTime", "[\" 0.03 \"]", DCM_EchoTime));
  EXPECT_EQ("90", MapOne("FlipAngle", "\"90\"", DCM_FlipAngle));
  EXPECT_EQ("3", MapOne("SeriesNumber", "\"3\"", DCM_SeriesNumber));
  EXPECT_EQ("54", MapOne("EchoTrainLength", "[54]", DCM_EchoTrainLength));
  EXPECT_EQ("1", MapOne("AcquisitionNumber", "\"1.0\"", DCM_AcquisitionNumber));
  EXPECT_EQ("Siemens", MapOne("Manufacturer", "[\"Siemens\"]", DCM_Manufacturer));
  EXPECT_EQ("67060", MapOne("DeviceSerialNumber", "67060", DCM_DeviceSerialNumber));   // a number: its digits
  EXPECT_EQ("HFS", MapOne("PatientPosition", "[\"HFS\"]", DCM_PatientPosition));
  EXPECT_EQ("141305.990000", MapOne("AcquisitionTime", "[\"14:13:5.990000\"]", DCM_AcquisitionTime));
  EXPECT_EQ("COL", MapOne("PhaseEncodingDirection", "[\"j-\"]", DCM_InPlanePhaseEncodingDirection));
  EXPECT_EQ("COL", MapOne("InPlanePhaseEncodingDirectionDICOM", "\"COLUMN\"", DCM_InPlanePhaseEncodingDirection));

  // Several values where DICOM takes one: meaningful, but not one attribute
  const BidsSidecar echoes = ParseSidecar("{\"EchoTime\": [0.01, 0.02], \"FlipAngle\": []}");
  EXPECT_TRUE(echoes.GetAttributes().empty());
  ASSERT_EQ(1u, echoes.GetWarnings().size()) << AllWarnings(echoes);
  EXPECT_NE(std::string::npos, echoes.GetWarnings()[0].find("\"EchoTime\" ((0018,0081), DS) holds 2 values"));
}


TEST(BidsSidecar, KeysAddedForIssue9)
{
  EXPECT_EQ("1", MapOne("AcquisitionNumber", "1", DCM_AcquisitionNumber));
  EXPECT_EQ("0.0379908", MapOne("SAR", "0.0379908", DCM_SAR));
  EXPECT_EQ("86", MapOne("PhaseEncodingSteps", "86", DCM_NumberOfPhaseEncodingSteps));
  EXPECT_EQ("2", MapOne("ParallelReductionFactorInPlane", "2", DCM_ParallelReductionFactorInPlane));
  EXPECT_EQ("Rorden^ABC_UofSC", MapOne("ProcedureStepDescription", "\"Rorden^ABC_UofSC\"",
                                       DCM_PerformedProcedureStepDescription));
  EXPECT_EQ("6", MapOne("NumberOfAverages", "6", DCM_NumberOfAverages));
  EXPECT_EQ("epiRT", MapOne("PulseSequenceName", "\"epiRT\"", DCM_PulseSequenceName));

  // The phase-encoding steps go where the phase axis says
  EXPECT_EQ("0\\0\\0\\64", Get(ParseSidecar("{\"AcquisitionMatrixPE\": 64, \"PhaseEncodingDirection\": \"j-\"}"),
                              DCM_AcquisitionMatrix));
  EXPECT_EQ("0\\0\\64\\0", Get(ParseSidecar("{\"AcquisitionMatrixPE\": 64, \"PhaseEncodingDirection\": \"i\"}"),
                              DCM_AcquisitionMatrix));
  EXPECT_EQ("0\\0\\0\\64", Get(ParseSidecar("{\"AcquisitionMatrixPE\": 64, "
                                           "\"InPlanePhaseEncodingDirectionDICOM\": \"COL\"}"), DCM_AcquisitionMatrix));

  const BidsSidecar noAxis = ParseSidecar("{\"AcquisitionMatrixPE\": 64}");
  EXPECT_TRUE(noAxis.GetAttributes().empty());
  EXPECT_EQ(1u, CountWarningsWith(noAxis, "needs the phase-encoding axis"));

  const BidsSidecar tooMany = ParseSidecar("{\"AcquisitionMatrixPE\": 70000, \"PhaseEncodingAxis\": \"j\"}");
  EXPECT_EQ("<absent>", Get(tooMany, DCM_AcquisitionMatrix));
  EXPECT_EQ(1u, CountWarningsWith(tooMany, "65535"));
}


TEST(BidsSidecar, ScannerIdentityIsApart)
{
  const BidsSidecar sidecar = ParseSidecar("{\"Manufacturer\": \"GE\", \"ManufacturersModelName\": \"DISCOVERY MR750\", "
                                           "\"StationName\": \"MR01DV01\", \"EchoTime\": 0.0226}");
  EXPECT_EQ(1u, sidecar.GetAttributes().size());
  EXPECT_EQ(3u, sidecar.GetScannerEquipment().GetEntries().size());
  std::string value;
  EXPECT_FALSE(sidecar.Lookup(value, DCM_Manufacturer));
  ASSERT_TRUE(sidecar.GetScannerEquipment().Lookup(value, DCM_Manufacturer));
  EXPECT_EQ("GE", value);
  std::string key;
  ASSERT_TRUE(sidecar.GetSourceKey(key, DCM_ManufacturerModelName));
  EXPECT_EQ("ManufacturersModelName", key);
  EXPECT_TRUE(sidecar.GetWarnings().empty()) << AllWarnings(sidecar);

  // Without a manufacturer, no Contributing Equipment item can name it
  const BidsSidecar anonymous = ParseSidecar("{\"StationName\": \"MR01DV01\"}");
  EXPECT_EQ(1u, CountWarningsWith(anonymous, "without \"Manufacturer\""));
}


TEST(BidsSidecar, VerbatimCopy)
{
  const std::string text = "{\n\t\"EchoTime\": 0.03,\n\t\"SliceTiming\": [0, 0.5]\n}";
  BidsSidecar sidecar = ParseSidecar(text);
  EXPECT_EQ("", sidecar.GetVerbatim());
  sidecar.SetVerbatim(text);
  EXPECT_EQ(text, sidecar.GetVerbatim());
  EXPECT_EQ(1u, CountWarningsWith(sidecar, "kept only in the private copy"));

  sidecar.DropVerbatim();
  EXPECT_EQ("", sidecar.GetVerbatim());
  EXPECT_EQ(1u, CountWarningsWith(sidecar, "they are not kept"));

  // Too large for every instance
  BidsSidecar large = ParseSidecar(text);
  large.SetVerbatim(text + std::string(BidsSidecar::MAX_VERBATIM_BYTES, ' '));
  EXPECT_EQ("", large.GetVerbatim());
  EXPECT_EQ(1u, CountWarningsWith(large, "no private copy of it was made"));

  // Byte for byte, whatever the bytes
  BidsSidecar odd = ParseSidecar(text);
  odd.SetVerbatim("{\"a\": \"\x01\xff\"}");
  EXPECT_EQ("{\"a\": \"\x01\xff\"}", odd.GetVerbatim());
}
