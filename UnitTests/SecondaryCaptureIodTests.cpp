// Multi-frame True Color Secondary Capture: RGB frames without a Frame of
// Reference, where only the slice locations remain of the geometry.

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

TEST(TrueColorSecondaryCaptureIod, ThreeAndFourDimensionalSeries)
{
  for (int64_t nt : { int64_t(1), NT })
  {
    SCOPED_TRACE(nt == 1 ? "3D" : "4D");
    std::unique_ptr<Series> series = Convert(MakeRgbNifti(nt), Options(IodType::TrueColorSecondaryCapture));
    ASSERT_TRUE(series != nullptr);
    ASSERT_EQ(1u, series->sink.files.size());
    DcmDataset& d = series->sink.Get(0);

    // No Frame of Reference: the IOD has no place for the geometry
    CheckCommonModules(*series->sink.files[0], *series, UID_MultiframeTrueColorSecondaryCaptureImageStorage, "OT",
                       false);
    CheckRgbPixelModule(d);
    EXPECT_EQ("WSD", GetString(d, DCM_ConversionType));
    EXPECT_EQ("DERIVED\\SECONDARY", GetString(d, DCM_ImageType));
    EXPECT_EQ(std::to_string(NZ * nt), GetString(d, DCM_NumberOfFrames));
    for (const DcmTagKey& tag : { DCM_ImagePositionPatient, DCM_ImageOrientationPatient,
                                  DCM_SharedFunctionalGroupsSequence, DCM_PerFrameFunctionalGroupsSequence })
    {
      EXPECT_EQ("<absent>", GetString(d, tag)) << tag.toString().c_str();
    }

    // What is left of the geometry: where each frame lies along the normal
    EXPECT_EQ(DcmTagKey(DCM_SliceLocationVector).toString().c_str(), GetString(d, DCM_FrameIncrementPointer));
    std::vector<double> locations;
    std::vector<int64_t> slices, timePoints;
    std::vector<std::string> indexValues;
    ListVolumeFrames(slices, timePoints, indexValues, nt);
    for (int64_t k : slices)
    {
      locations.push_back(ExpectedSliceLocation(k));
    }
    ExpectDecimals(locations, d, DCM_SliceLocationVector, 1e-5);

    CheckRgbPixels(d, slices, timePoints);
  }
}
