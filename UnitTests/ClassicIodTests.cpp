// MR Image and CT Image: one instance per slice and time point, each with its
// own Image Plane and rescale.

#include "IodTestChecks.h"
#include "IodTestVolumes.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

using namespace NiftiToDicom;
using namespace NiftiTest;
using namespace IodTest;

namespace
{
  void CheckClassicSeries(IodType iod, Modality modality, int64_t nt)
  {
    SCOPED_TRACE(nt == 1 ? "3D" : "4D");
    const bool ct = (iod == IodType::CtImage);
    std::unique_ptr<Series> series = Convert(MakeInt16Nifti(nt), Options(iod, modality));
    ASSERT_TRUE(series != nullptr);
    ASSERT_EQ(static_cast<size_t>(NZ * nt), series->sink.files.size());
    EXPECT_EQ(NZ * nt, series->summary.instancesCount);

    std::set<std::string> sopInstanceUids, frameOfReferenceUids;
    for (int64_t t = 0; t < nt; t++)
    {
      for (int64_t k = 0; k < NZ; k++)
      {
        SCOPED_TRACE("k=" + std::to_string(k) + ", t=" + std::to_string(t));
        const size_t index = static_cast<size_t>(t * NZ + k);
        DcmDataset& d = series->sink.Get(index);
        CheckCommonModules(*series->sink.files[index], *series, ct ? UID_CTImageStorage : UID_MRImageStorage,
                           ct ? "CT" : "MR", true);
        sopInstanceUids.insert(GetString(d, DCM_SOPInstanceUID));
        frameOfReferenceUids.insert(GetString(d, DCM_FrameOfReferenceUID));

        // General Image
        EXPECT_EQ(std::to_string(index + 1), GetString(d, DCM_InstanceNumber));
        EXPECT_EQ(ct ? "DERIVED\\SECONDARY\\AXIAL" : "DERIVED\\SECONDARY\\OTHER", GetString(d, DCM_ImageType));
        EXPECT_EQ(nt > 1 ? std::to_string(t + 1) : "<absent>", GetString(d, DCM_TemporalPositionIdentifier));
        EXPECT_EQ(nt > 1 ? std::to_string(nt) : "<absent>", GetString(d, DCM_NumberOfTemporalPositions));

        // Image Plane
        ExpectDecimals(ORIENTATION, d, DCM_ImageOrientationPatient, 1e-9);
        ExpectDecimals(ExpectedPosition(k), d, DCM_ImagePositionPatient, 1e-5);
        ExpectDecimals(PIXEL_SPACING, d, DCM_PixelSpacing, 1e-6);
        ExpectDecimals({ SLICE_SPACING }, d, DCM_SliceThickness, 1e-6);
        ExpectDecimals({ ExpectedSliceLocation(k) }, d, DCM_SliceLocation, 1e-5);

        // Modality module
        if (ct)
        {
          EXPECT_EQ("US", GetString(d, DCM_RescaleType));
          EXPECT_EQ(1u, GetDecimals(d, DCM_RescaleSlope).size());   // Type 1 in CT Image
          EXPECT_EQ(1u, GetDecimals(d, DCM_RescaleIntercept).size());
          EXPECT_EQ("<absent>", GetString(d, DCM_ScanningSequence));
        }
        else
        {
          EXPECT_EQ("RM", GetString(d, DCM_ScanningSequence));
          // pixdim[4] is the TR of a time series only: unknown (Type 2, empty) for one volume
          if (nt > 1)
          {
            ExpectDecimals({ 2000 }, d, DCM_RepetitionTime, 1e-6);
          }
          else
          {
            EXPECT_EQ("", GetString(d, DCM_RepetitionTime));
          }
          EXPECT_EQ("<absent>", GetString(d, DCM_RescaleType));
        }

        // Image Pixel
        CheckGrayscalePixelModule(d, 16);
        EXPECT_EQ(1, GetUint16(d, DCM_PixelRepresentation));   // int16 stays signed
        const std::vector<double> slope = GetDecimals(d, DCM_RescaleSlope);
        const std::vector<double> intercept = GetDecimals(d, DCM_RescaleIntercept);
        const std::vector<double> pixels = DecodeRealPixels(d, slope.empty() ? 1 : slope[0],
                                                            intercept.empty() ? 0 : intercept[0], 1);
        ASSERT_EQ(static_cast<size_t>(NX * NY), pixels.size());
        for (int64_t r = 0; r < NY; r++)
        {
          for (int64_t c = 0; c < NX; c++)
          {
            EXPECT_EQ(Int16Value(c, NY - 1 - r, k, t), pixels[static_cast<size_t>(r * NX + c)])
              << "pixel (c=" << c << ", r=" << r << ")";
          }
        }
      }
    }
    EXPECT_EQ(static_cast<size_t>(NZ * nt), sopInstanceUids.size());
    EXPECT_EQ(1u, frameOfReferenceUids.size());
  }
}


TEST(MrImageIod, ThreeAndFourDimensionalSeries)
{
  CheckClassicSeries(IodType::MrImage, Modality::MR, 1);
  CheckClassicSeries(IodType::MrImage, Modality::MR, NT);
}


TEST(CtImageIod, ThreeAndFourDimensionalSeries)
{
  CheckClassicSeries(IodType::CtImage, Modality::CT, 1);
  CheckClassicSeries(IodType::CtImage, Modality::CT, NT);
}
