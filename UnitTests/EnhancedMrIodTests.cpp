// Enhanced MR Image and Enhanced MR Color Image: the whole volume (every time
// point) in one multi-frame instance, described by functional groups.

#include "IodTestChecks.h"
#include "IodTestVolumes.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>

using namespace NiftiToDicom;
using namespace NiftiTest;
using namespace IodTest;

namespace
{
  void CheckEnhancedMrModules(DcmDataset& d, const char* pixelPresentation, int64_t nt)
  {
    EXPECT_EQ("DERIVED\\PRIMARY\\VOLUME\\NONE", GetString(d, DCM_ImageType));
    EXPECT_EQ(pixelPresentation, GetString(d, DCM_PixelPresentation));
    EXPECT_EQ("VOLUME", GetString(d, DCM_VolumetricProperties));
    EXPECT_EQ("1", GetString(d, DCM_InstanceNumber));
    EXPECT_EQ(nt > 1 ? "3D_TEMPORAL" : "3D", GetString(d, DCM_DimensionOrganizationType));
    EXPECT_EQ("Orthanc NIfTI-to-DICOM", GetString(d, DCM_Manufacturer));   // Enhanced General Equipment: Type 1
    EXPECT_NE("<absent>", GetString(d, DCM_ManufacturerModelName));
    EXPECT_NE("<absent>", GetString(d, DCM_DeviceSerialNumber));

    DcmItem* shared = GetItem(d, DCM_SharedFunctionalGroupsSequence);
    ASSERT_TRUE(shared != nullptr);
    DcmItem* frameType = GetItem(*shared, DCM_MRImageFrameTypeSequence);
    ASSERT_TRUE(frameType != nullptr);
    EXPECT_EQ("DERIVED\\PRIMARY\\VOLUME\\NONE", GetString(*frameType, DCM_FrameType));
    EXPECT_EQ(pixelPresentation, GetString(*frameType, DCM_PixelPresentation));

    // Temporal Position Index in Frame Content of 4D series only
    for (int64_t f = 0; f < NZ * nt; f++)
    {
      DcmItem* perFrame = GetItem(d, DCM_PerFrameFunctionalGroupsSequence, static_cast<int>(f));
      ASSERT_TRUE(perFrame != nullptr);
      DcmItem* content = GetItem(*perFrame, DCM_FrameContentSequence);
      ASSERT_TRUE(content != nullptr);
      EXPECT_EQ(nt > 1 ? std::to_string(f / NZ + 1) : "<absent>", GetString(*content, DCM_TemporalPositionIndex));
      EXPECT_EQ(std::to_string(f % NZ + 1), GetString(*content, DCM_InStackPositionNumber));
    }
  }
}


// --- Enhanced MR Image --------------------------------------------------------

TEST(EnhancedMrImageIod, ThreeAndFourDimensionalSeries)
{
  for (int64_t nt : { int64_t(1), NT })
  {
    SCOPED_TRACE(nt == 1 ? "3D" : "4D");
    std::unique_ptr<Series> series = Convert(MakeInt16Nifti(nt), Options(IodType::EnhancedMrImage));
    ASSERT_TRUE(series != nullptr);
    ASSERT_EQ(1u, series->sink.files.size());
    EXPECT_EQ(1, series->summary.instancesCount);
    DcmDataset& d = series->sink.Get(0);

    CheckCommonModules(*series->sink.files[0], *series, UID_EnhancedMRImageStorage, "MR", true);
    CheckGrayscalePixelModule(d, 16);
    CheckEnhancedMrModules(d, "MONOCHROME", nt);

    std::vector<int64_t> slices, timePoints;
    std::vector<std::string> indexValues;
    ListVolumeFrames(slices, timePoints, indexValues, nt);
    CheckFunctionalGroups(d, slices, indexValues, nt > 1 ? 3 : 2);

    // Pixel Value Transformation, shared
    DcmItem* shared = GetItem(d, DCM_SharedFunctionalGroupsSequence);
    ASSERT_TRUE(shared != nullptr);
    DcmItem* transformation = GetItem(*shared, DCM_PixelValueTransformationSequence);
    ASSERT_TRUE(transformation != nullptr);
    const std::vector<double> slope = GetDecimals(*transformation, DCM_RescaleSlope);
    const std::vector<double> intercept = GetDecimals(*transformation, DCM_RescaleIntercept);
    ASSERT_EQ(1u, slope.size());
    ASSERT_EQ(1u, intercept.size());
    EXPECT_EQ("<absent>", GetString(d, DCM_RescaleSlope));   // not at the top level of an enhanced image

    const std::vector<double> pixels = DecodeRealPixels(d, slope[0], intercept[0], slices.size());
    ASSERT_EQ(static_cast<size_t>(NX * NY) * slices.size(), pixels.size());
    for (size_t f = 0; f < slices.size(); f++)
    {
      for (int64_t r = 0; r < NY; r++)
      {
        for (int64_t c = 0; c < NX; c++)
        {
          EXPECT_EQ(Int16Value(c, NY - 1 - r, slices[f], timePoints[f]),
                    pixels[f * NX * NY + static_cast<size_t>(r * NX + c)])
            << "frame " << f << ", pixel (c=" << c << ", r=" << r << ")";
        }
      }
    }
  }
}


// --- Enhanced MR Color Image --------------------------------------------------

TEST(EnhancedMrColorImageIod, ThreeAndFourDimensionalSeries)
{
  for (int64_t nt : { int64_t(1), NT })
  {
    SCOPED_TRACE(nt == 1 ? "3D" : "4D");
    std::unique_ptr<Series> series = Convert(MakeRgbNifti(nt), Options(IodType::EnhancedMrColorImage));
    ASSERT_TRUE(series != nullptr);
    ASSERT_EQ(1u, series->sink.files.size());
    DcmDataset& d = series->sink.Get(0);

    CheckCommonModules(*series->sink.files[0], *series, UID_EnhancedMRColorImageStorage, "MR", true);
    CheckRgbPixelModule(d);
    CheckEnhancedMrModules(d, "TRUE_COLOR", nt);

    // ICC Profile module: sRGB
    EXPECT_EQ("SRGB", GetString(d, DCM_ColorSpace));
    const Uint8* profile = nullptr;
    unsigned long profileSize = 0;
    ASSERT_TRUE(d.findAndGetUint8Array(DCM_ICCProfile, profile, &profileSize).good());
    ASSERT_GE(profileSize, 128u);
    EXPECT_EQ("acsp", std::string(reinterpret_cast<const char*>(profile) + 36, 4));   // ICC signature

    std::vector<int64_t> slices, timePoints;
    std::vector<std::string> indexValues;
    ListVolumeFrames(slices, timePoints, indexValues, nt);
    CheckFunctionalGroups(d, slices, indexValues, nt > 1 ? 3 : 2);
    CheckRgbPixels(d, slices, timePoints);
  }
}
