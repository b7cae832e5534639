// One file of each IOD goes through dciodvfy (dicom3tools), when it is
// installed, which must find no error.

#include "Common/ClientJson.h"
#include "IodTestVolumes.h"
#include "NiftiTestFile.h"

#include <dcmtk/dcmdata/dcdeftag.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace NiftiToDicom;
using namespace NiftiTest;
using namespace IodTest;

namespace
{
  struct DciodvfyCase
  {
    const char*  name;
    IodType      iod;
    const char*  dciodvfyName;   // the line where dciodvfy names the IOD it checked against
  };

  bool IsDciodvfyInstalled()
  {
    return !std::string(DCIODVFY_PATH).empty() && access(DCIODVFY_PATH, X_OK) == 0;
  }

  // A real sidecar of dcm2niix (the Siemens mosaic of UnitTests/Data/real-mri),
  // TAB-indented, with the scanner's identity, kept verbatim
  BidsSidecar LoadRealSidecar()
  {
    std::ifstream file(std::string(REAL_MRI_DIR) + "/siemens-e11-mosaic/Siemens_Rest_fMRI_AP_7.json",
                       std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    Json::Value json;
    std::string error;
    EXPECT_TRUE(ClientJson::Parse(json, error, text.str(), "The sidecar")) << error;
    BidsSidecar sidecar = BidsSidecar::Parse(json);
    sidecar.SetVerbatim(text.str());
    EXPECT_FALSE(sidecar.GetVerbatim().empty());
    return sidecar;
  }

  // One file of the IOD, from the volume it is made for (4D where it can be)
  std::string MakeFileToVerify(IodType iod, bool withSidecar = false)
  {
    std::unique_ptr<Series> series;
    SeriesOptions options = Options(iod, iod == IodType::CtImage ? Modality::CT : Modality::MR);
    if (withSidecar)
    {
      options.sidecar = LoadRealSidecar();
    }
    switch (iod)
    {
      case IodType::MrImage:
      case IodType::CtImage:
      case IodType::EnhancedMrImage:
        series = Convert(MakeInt16Nifti(NT), std::move(options));
        break;
      case IodType::EnhancedMrColorImage:
      case IodType::TrueColorSecondaryCapture:
        series = Convert(MakeRgbNifti(NT), std::move(options));
        break;
      case IodType::ParametricMap:
      {
        options.units = { "mm2/s", "UCUM", "square millimeter per second" };
        options.quantity = { "113041", "DCM", "Apparent Diffusion Coefficient" };
        series = Convert(MakeFloatNifti(MakeFloat32Values(NT), DT_FLOAT32, NT), std::move(options));
        break;
      }
      case IodType::Segmentation:
        options.labels = MakeSegmentLabels();
        series = Convert(MakeLabelNifti(NX, 1), std::move(options));
        break;
      case IodType::RtStructureSet:
        series = ConvertLabelMapToRtStruct();
        break;
    }
    if (series == nullptr || series->sink.buffers.empty())
    {
      ADD_FAILURE() << "no file to verify";
      return std::string();
    }
    return series->sink.buffers.back();
  }

  // What dciodvfy prints about the file (it writes to stderr)
  std::vector<std::string> RunDciodvfy(const std::string& file, const std::string& name)
  {
    const std::string path = ::testing::TempDir() + "nifti-to-dicom-dciodvfy-" + name + ".dcm";
    {
      std::ofstream stream(path.c_str(), std::ios::binary);
      stream.write(file.data(), static_cast<std::streamsize>(file.size()));
    }

    std::vector<std::string> lines;
    const std::string command = std::string(DCIODVFY_PATH) + " '" + path + "' 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr)
    {
      ADD_FAILURE() << "cannot run " << command;
      return lines;
    }
    std::string line;
    char buffer[4096];
    while (fgets(buffer, sizeof(buffer), pipe) != nullptr)
    {
      line += buffer;
      if (!line.empty() && line.back() == '\n')
      {
        line.pop_back();
        lines.push_back(line);
        line.clear();
      }
    }
    if (!line.empty())
    {
      lines.push_back(line);
    }
    pclose(pipe);
    std::remove(path.c_str());
    return lines;
  }

  class DciodvfyTest : public ::testing::TestWithParam<DciodvfyCase>
  {
  };
}


static void CheckNoErrors(const DciodvfyCase& param, bool withSidecar)
{
  if (!IsDciodvfyInstalled())
  {
    GTEST_SKIP() << "dciodvfy (dicom3tools) is not installed";
  }

  const std::string file = MakeFileToVerify(param.iod, withSidecar);
  ASSERT_FALSE(file.empty());
  const std::vector<std::string> lines = RunDciodvfy(file, param.name);

  std::string report;
  for (const std::string& line : lines)
  {
    report += line + "\n";
  }
  // Checked against the IOD the SOP Class names, not a generic one
  EXPECT_NE(lines.end(), std::find(lines.begin(), lines.end(), param.dciodvfyName)) << report;
  // Warnings are advice ("Retired Person Name form" comes from the parent's
  // names, "not present in standard DICOM IOD" from extra attributes); any
  // error fails, and none is known today
  for (const std::string& line : lines)
  {
    EXPECT_NE(0u, line.find("Error")) << report;
  }
}


TEST_P(DciodvfyTest, NoErrors)
{
  CheckNoErrors(GetParam(), false);
}


// With a real sidecar: the scanner in Contributing Equipment, the private
// copy (OB: the TABs of dcm2niix's JSON are no text of a UT), and, in the
// classic IODs, the acquisition attributes
TEST_P(DciodvfyTest, NoErrorsWithARealSidecar)
{
  CheckNoErrors(GetParam(), true);
}


INSTANTIATE_TEST_SUITE_P(EveryIod, DciodvfyTest, ::testing::Values(
  DciodvfyCase{ "MrImage", IodType::MrImage, "MRImage" },
  DciodvfyCase{ "CtImage", IodType::CtImage, "CTImage" },
  DciodvfyCase{ "EnhancedMrImage", IodType::EnhancedMrImage, "EnhancedMRImage" },
  DciodvfyCase{ "EnhancedMrColorImage", IodType::EnhancedMrColorImage, "EnhancedMRColorImage" },
  DciodvfyCase{ "ParametricMap", IodType::ParametricMap, "ParametricMap" },
  DciodvfyCase{ "Segmentation", IodType::Segmentation, "Segmentation" },
  DciodvfyCase{ "TrueColorSecondaryCapture", IodType::TrueColorSecondaryCapture, "MultiframeTrueColorSCImage" },
  DciodvfyCase{ "RtStructureSet", IodType::RtStructureSet, "RTStructureSet" }),
  [](const ::testing::TestParamInfo<DciodvfyCase>& info) { return std::string(info.param.name); });


// The check above can fail: dciodvfy reports a missing Type 1 attribute as an "Error" line
TEST(Dciodvfy, ReportsMissingAttribute)
{
  if (!IsDciodvfyInstalled())
  {
    GTEST_SKIP() << "dciodvfy (dicom3tools) is not installed";
  }

  std::unique_ptr<DcmFileFormat> file = ParseDicom(MakeFileToVerify(IodType::Segmentation));
  ASSERT_TRUE(file != nullptr);
  ASSERT_TRUE(file->getDataset()->findAndDeleteElement(DCM_SeriesInstanceUID).good());
  const std::string path = ::testing::TempDir() + "nifti-to-dicom-dciodvfy-broken.dcm";
  ASSERT_TRUE(file->saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
  const std::string broken = ReadFile(path);
  std::remove(path.c_str());

  size_t errors = 0;
  for (const std::string& line : RunDciodvfy(broken, "broken"))
  {
    if (line.find("Error") == 0)
    {
      errors++;
      EXPECT_NE(std::string::npos, line.find("<SeriesInstanceUID>")) << line;
    }
  }
  EXPECT_EQ(1u, errors);
}
