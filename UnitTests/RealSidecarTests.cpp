// The sidecars that dcm2niix (v1.0.20260416) wrote for the four real scanner
// series of UnitTests/Data/real-mri, read as the plugin reads a client's
#include "Metadata/BidsKeyTable.h"
#include "Metadata/BidsSidecar.h"
#include "Common/ClientJson.h"

#include <dcmtk/dcmdata/dcdeftag.h>

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

using namespace NiftiToDicom;

namespace
{
  std::string ReadFile(const std::string& path)
  {
    std::ifstream file(path, std::ios::binary);
    EXPECT_TRUE(file.good()) << path;
    std::stringstream s;
    s << file.rdbuf();
    return s.str();
  }

  BidsSidecar ReadSidecar(const std::string& relative, Json::Value& json)
  {
    const std::string text = ReadFile(std::string(REAL_MRI_DIR) + "/" + relative);
    std::string error;
    EXPECT_TRUE(ClientJson::Parse(json, error, text, "The sidecar")) << error;
    BidsSidecar sidecar = BidsSidecar::Parse(json);
    sidecar.SetVerbatim(text);
    EXPECT_EQ(text, sidecar.GetVerbatim());
    return sidecar;
  }

  std::string Get(const BidsSidecar& sidecar, const DcmTagKey& tag)
  {
    std::string value;
    return (sidecar.Lookup(value, tag) || sidecar.GetScannerEquipment().Lookup(value, tag)) ? value : "<absent>";
  }

  // Every key of the sidecar is either mapped (and its source key known),
  // left to the plugin, or named in the one warning of unmapped keys
  void CheckEveryKeyAccountedFor(const BidsSidecar& sidecar, const Json::Value& json)
  {
    std::map<std::string, bool> mapped;
    for (const auto& entry : sidecar.GetAttributes())
    {
      std::string key;
      ASSERT_TRUE(sidecar.GetSourceKey(key, entry.first)) << entry.first.toString().c_str();
      mapped[key] = true;
    }
    for (const auto& entry : sidecar.GetScannerEquipment().GetEntries())
    {
      std::string key;
      ASSERT_TRUE(sidecar.GetSourceKey(key, entry.first));
      mapped[key] = true;
    }

    for (const std::string& name : json.getMemberNames())
    {
      const bool unmapped = std::find(sidecar.GetUnmappedKeys().begin(), sidecar.GetUnmappedKeys().end(), name) !=
        sidecar.GetUnmappedKeys().end();
      const BidsKey* key = BidsKeyTable::Find(name);
      if (key != nullptr)
      {
        EXPECT_FALSE(unmapped) << name;
        // The phase-encoding keys are merged into (0018,1312)
        EXPECT_TRUE(mapped.count(name) > 0 || key->tag == DCM_InPlanePhaseEncodingDirection) << name;
      }
      else
      {
        EXPECT_TRUE(unmapped || BidsKeyTable::IsLeftToThePlugin(name)) << name;
      }
    }
  }
}


TEST(RealSidecars, GeEpi)
{
  Json::Value json;
  const BidsSidecar s = ReadSidecar("ge-epi-rtia/GE_Brain_Routine_2.json", json);
  CheckEveryKeyAccountedFor(s, json);
  EXPECT_EQ("172058.000000", Get(s, DCM_AcquisitionTime));
  EXPECT_EQ("1", Get(s, DCM_AcquisitionNumber));
  EXPECT_EQ("0.0105914", Get(s, DCM_SAR));
  EXPECT_EQ("0\\0\\0\\64", Get(s, DCM_AcquisitionMatrix));
  EXPECT_EQ("PhantomGradient Echo", Get(s, DCM_PerformedProcedureStepDescription));
  EXPECT_EQ("22.6", Get(s, DCM_EchoTime));
  EXPECT_EQ("1500", Get(s, DCM_RepetitionTime));
  EXPECT_EQ("EP\\GR", Get(s, DCM_ScanningSequence));
  EXPECT_EQ("SQPIX_GEMS\\EPI_GEMS", Get(s, DCM_ScanOptions));
  EXPECT_EQ("epiRT", Get(s, DCM_PulseSequenceName));
  EXPECT_EQ("COL", Get(s, DCM_InPlanePhaseEncodingDirection));
  EXPECT_EQ("GE", Get(s, DCM_Manufacturer));
  EXPECT_EQ("<absent>", Get(s, DCM_SoftwareVersions));   // only in the private copy
  EXPECT_EQ("3", Get(s, DCM_SliceThickness));
  EXPECT_EQ("3.3", Get(s, DCM_SpacingBetweenSlices));
}


TEST(RealSidecars, SiemensMosaicWithATimeWithoutLeadingZero)
{
  Json::Value json;
  const BidsSidecar s = ReadSidecar("siemens-e11-mosaic/Siemens_Rest_fMRI_AP_7.json", json);
  CheckEveryKeyAccountedFor(s, json);
  EXPECT_EQ("141305.990000", Get(s, DCM_AcquisitionTime));
  EXPECT_EQ("BRAIN", Get(s, DCM_BodyPartExamined));
  EXPECT_EQ("86", Get(s, DCM_NumberOfPhaseEncodingSteps));
  EXPECT_EQ("0\\0\\0\\86", Get(s, DCM_AcquisitionMatrix));
  EXPECT_EQ("Unaliased MB3/PE3", Get(s, DCM_ImageComments));
  EXPECT_EQ("SK\\SS", Get(s, DCM_SequenceVariant));
  EXPECT_EQ("HeadNeck_20", Get(s, DCM_ReceiveCoilName));
  EXPECT_EQ("Prisma_fit", Get(s, DCM_ManufacturerModelName));
}


TEST(RealSidecars, SiemensXaEnhanced)
{
  Json::Value json;
  const BidsSidecar s = ReadSidecar("siemens-xa10-enhanced-sms/Siemens_REST1_w_SMS_PF7-8_6.json", json);
  CheckEveryKeyAccountedFor(s, json);
  EXPECT_EQ("083634.135000", Get(s, DCM_AcquisitionTime));
  EXPECT_EQ("*epfid2d1_64", Get(s, DCM_PulseSequenceName));
  EXPECT_EQ("PFP\\FS", Get(s, DCM_ScanOptions));
  EXPECT_EQ("500", Get(s, DCM_RepetitionTime));
  EXPECT_EQ("dcm2niix Samples", Get(s, DCM_PerformedProcedureStepDescription));
}


TEST(RealSidecars, UihDiffusion)
{
  Json::Value json;
  const BidsSidecar s = ReadSidecar("uih-dti/UIH_dti_tra_dir16_PA_rot_12.json", json);
  CheckEveryKeyAccountedFor(s, json);
  EXPECT_EQ("133742.724000", Get(s, DCM_AcquisitionTime));
  EXPECT_EQ("HEAD", Get(s, DCM_BodyPartExamined));
  EXPECT_EQ("6", Get(s, DCM_NumberOfAverages));
  EXPECT_EQ("2", Get(s, DCM_ParallelReductionFactorInPlane));
  EXPECT_EQ("0.600523", Get(s, DCM_SAR));
  EXPECT_EQ("NONE", Get(s, DCM_SequenceVariant));
  EXPECT_EQ("5865", Get(s, DCM_RepetitionTime));
  EXPECT_EQ("UIH", Get(s, DCM_Manufacturer));
}
