// Extreme float values through whole IODs: every DS written is finite, and
// the slopes and window widths are not zero
#include "IodTestChecks.h"
#include "IodTestVolumes.h"
#include "TestHelpers.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <gtest/gtest.h>
#include <nifti2_io.h>

#include <cmath>
#include <limits>

using namespace NiftiToDicom;
using namespace NiftiTest;
using namespace IodTest;

namespace
{
  std::vector<double> Extremes(double low, double high)
  {
    std::vector<double> values = MakeFloat64Values(1);
    for (size_t i = 0; i < values.size(); i++)
    {
      values[i] = (i % 3 == 0) ? low : (i % 3 == 1) ? high : low / 2 + high / 2;
    }
    return values;
  }

  void ExpectFiniteNonZero(DcmItem& item, const DcmTagKey& tag)
  {
    Float64 value = 0;
    ASSERT_TRUE(item.findAndGetFloat64(tag, value).good()) << tag.toString();
    EXPECT_TRUE(std::isfinite(value)) << tag.toString();
    EXPECT_NE(0.0, value) << tag.toString();
  }
}


TEST(ExtremeValues, ParametricMapWindowIsFinite)
{
  const double max = std::numeric_limits<double>::max();
  for (const auto& range : std::vector<std::pair<double, double> >{ { -max, max }, { 1e308, 1.7e308 },
                                                                     { 0, 1e-320 } })
  {
    SCOPED_TRACE(range.second);
    SeriesOptions options = Options(IodType::ParametricMap);
    options.doublePrecision = true;
    std::unique_ptr<Series> series = Convert(MakeFloatNifti(Extremes(range.first, range.second), DT_FLOAT64, 1),
                                             std::move(options));
    ASSERT_TRUE(series != nullptr);
    ASSERT_EQ(1u, series->sink.files.size());
    DcmDataset& d = *series->sink.files[0]->getDataset();
    DcmItem* shared = GetItem(d, DCM_SharedFunctionalGroupsSequence);
    ASSERT_TRUE(shared != nullptr);
    DcmItem* voi = GetItem(*shared, DCM_FrameVOILUTSequence);
    ASSERT_TRUE(voi != nullptr);
    ExpectFiniteNonZero(*voi, DCM_WindowWidth);
    Float64 center = NAN;
    ASSERT_TRUE(voi->findAndGetFloat64(DCM_WindowCenter, center).good());
    EXPECT_TRUE(std::isfinite(center));
    DcmItem* mapping = GetItem(*shared, DCM_RealWorldValueMappingSequence);
    ASSERT_TRUE(mapping != nullptr);
    Float64 first = NAN, last = NAN;
    EXPECT_TRUE(mapping->findAndGetFloat64(DCM_DoubleFloatRealWorldValueFirstValueMapped, first).good());
    EXPECT_TRUE(mapping->findAndGetFloat64(DCM_DoubleFloatRealWorldValueLastValueMapped, last).good());
    EXPECT_TRUE(std::isfinite(first) && std::isfinite(last));
  }
}


TEST(ExtremeValues, ParametricMapFloat32RefusesValuesBeyondFloat)
{
  EXPECT_CONVERSION_ERROR(Convert(MakeFloatNifti(Extremes(0, 1e300), DT_FLOAT64, 1), Options(IodType::ParametricMap)),
                          Unsupported, "DoublePrecision");
}


TEST(ExtremeValues, ClassicAndEnhancedRescaleIsFiniteOrRefused)
{
  for (IodType iod : { IodType::MrImage, IodType::EnhancedMrImage })
  {
    std::unique_ptr<Series> series = Convert(MakeFloatNifti(Extremes(-8e307, 8e307), DT_FLOAT64, 1), Options(iod));
    ASSERT_TRUE(series != nullptr);
    ASSERT_FALSE(series->sink.files.empty());
    DcmDataset& d = *series->sink.files[0]->getDataset();
    DcmItem* transformation = &d;
    DcmItem* voi = &d;
    if (iod == IodType::EnhancedMrImage)
    {
      DcmItem* shared = GetItem(d, DCM_SharedFunctionalGroupsSequence);
      ASSERT_TRUE(shared != nullptr);
      transformation = GetItem(*shared, DCM_PixelValueTransformationSequence);
      voi = GetItem(*shared, DCM_FrameVOILUTSequence);
      ASSERT_TRUE(transformation != nullptr && voi != nullptr);
    }
    ExpectFiniteNonZero(*transformation, DCM_RescaleSlope);
    ExpectFiniteNonZero(*voi, DCM_WindowWidth);

    EXPECT_CONVERSION_ERROR(Convert(MakeFloatNifti(Extremes(-1e308, 1e308), DT_FLOAT64, 1), Options(iod)),
                            Unsupported, "cannot be stored as 16-bit pixels with a rescale");
    EXPECT_CONVERSION_ERROR(Convert(MakeFloatNifti(Extremes(0, 1e-320), DT_FLOAT64, 1), Options(iod)),
                            Unsupported, "RescaleSlope would underflow");
  }
}
