// Parametric Map: float voxels kept exactly (float32 or float64 pixels), with
// a Real World Value Mapping; also read back by DCMTK's dcmpmap.

#include "IodTestChecks.h"
#include "IodTestVolumes.h"
#include "NiftiTestFile.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmpmap/dpmparametricmapiod.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

using namespace NiftiToDicom;
using namespace NiftiTest;
using namespace IodTest;

namespace
{
  // Frame f of the map holds slice slices[f] of time point timePoints[f]:
  // pixel (c, r) is voxel (c, NY-1-r). Returns how many NaN it found where expected.
  template <typename Stored, typename Source>
  size_t ExpectExactFrames(const Stored* pixels, size_t count, const std::vector<Source>& voxels,
                           const std::vector<int64_t>& slices, const std::vector<int64_t>& timePoints)
  {
    size_t nanCount = 0;
    EXPECT_EQ(static_cast<size_t>(NX * NY) * slices.size(), count);
    if (static_cast<size_t>(NX * NY) * slices.size() != count)
    {
      return nanCount;
    }
    for (size_t f = 0; f < slices.size(); f++)
    {
      for (int64_t r = 0; r < NY; r++)
      {
        for (int64_t c = 0; c < NX; c++)
        {
          const Stored expected = static_cast<Stored>(voxels[VoxelIndex(c, NY - 1 - r, slices[f], timePoints[f])]);
          const Stored actual = pixels[f * NX * NY + static_cast<size_t>(r * NX + c)];
          if (std::isnan(expected))
          {
            EXPECT_TRUE(std::isnan(actual)) << "frame " << f << ", pixel (c=" << c << ", r=" << r << ")";
            nanCount++;
          }
          else
          {
            // Exact: the same bits, not merely close
            EXPECT_EQ(expected, actual) << "frame " << f << ", pixel (c=" << c << ", r=" << r << ")";
          }
        }
      }
    }
    return nanCount;
  }

  template <typename Source>
  void FiniteRange(double& minValue, double& maxValue, const std::vector<Source>& voxels)
  {
    minValue = std::numeric_limits<double>::infinity();
    maxValue = -std::numeric_limits<double>::infinity();
    for (Source v : voxels)
    {
      if (std::isfinite(v))
      {
        minValue = std::min(minValue, static_cast<double>(v));
        maxValue = std::max(maxValue, static_cast<double>(v));
      }
    }
  }

  // A Parametric Map of "voxels", stored as "Stored" (Float32 or Float64)
  template <typename Stored, typename Source>
  void CheckParametricMap(const std::vector<Source>& voxels, int datatype, int64_t nt, Modality modality)
  {
    const bool isDouble = (sizeof(Stored) == 8);
    SeriesOptions options = Options(IodType::ParametricMap, modality);
    options.doublePrecision = isDouble;
    options.units = { "mm2/s", "UCUM", "square millimeter per second" };
    options.quantity = { "113041", "DCM", "Apparent Diffusion Coefficient" };
    std::unique_ptr<Series> series = Convert(MakeFloatNifti(voxels, datatype, nt), std::move(options));
    ASSERT_TRUE(series != nullptr);
    ASSERT_EQ(1u, series->sink.files.size());
    DcmDataset& d = series->sink.Get(0);

    CheckCommonModules(*series->sink.files[0], *series, UID_ParametricMapStorage,
                       modality == Modality::CT ? "CT" : "MR", true);
    CheckGrayscalePixelModule(d, isDouble ? 64 : 32);
    EXPECT_EQ("DERIVED\\PRIMARY\\VOLUME\\NONE", GetString(d, DCM_ImageType));
    EXPECT_EQ("MAP", GetString(d, DCM_ContentLabel));
    EXPECT_EQ("<absent>", GetString(d, DCM_PixelData));
    EXPECT_EQ("<absent>", GetString(d, DCM_BitsStored));   // float pixels have no Bits Stored

    std::vector<int64_t> slices, timePoints;
    std::vector<std::string> indexValues;
    ListVolumeFrames(slices, timePoints, indexValues, nt);
    CheckFunctionalGroups(d, slices, indexValues, nt > 1 ? 3 : 2);

    // Real World Value Mapping: identity over the finite values, with the units
    DcmItem* shared = GetItem(d, DCM_SharedFunctionalGroupsSequence);
    ASSERT_TRUE(shared != nullptr);
    DcmItem* mapping = GetItem(*shared, DCM_RealWorldValueMappingSequence);
    ASSERT_TRUE(mapping != nullptr);
    double minValue, maxValue;
    FiniteRange(minValue, maxValue, voxels);
    Float64 first = 0, last = 0, slope = 0, intercept = 1;
    EXPECT_TRUE(mapping->findAndGetFloat64(DCM_DoubleFloatRealWorldValueFirstValueMapped, first).good());
    EXPECT_TRUE(mapping->findAndGetFloat64(DCM_DoubleFloatRealWorldValueLastValueMapped, last).good());
    EXPECT_TRUE(mapping->findAndGetFloat64(DCM_RealWorldValueSlope, slope).good());
    EXPECT_TRUE(mapping->findAndGetFloat64(DCM_RealWorldValueIntercept, intercept).good());
    EXPECT_EQ(minValue, first);
    EXPECT_EQ(maxValue, last);
    EXPECT_EQ(1, slope);
    EXPECT_EQ(0, intercept);
    DcmItem* units = GetItem(*mapping, DCM_MeasurementUnitsCodeSequence);
    ASSERT_TRUE(units != nullptr);
    EXPECT_EQ("mm2/s", GetString(*units, DCM_CodeValue));
    EXPECT_EQ("UCUM", GetString(*units, DCM_CodingSchemeDesignator));
    DcmItem* quantity = GetItem(*mapping, DCM_QuantityDefinitionSequence);
    ASSERT_TRUE(quantity != nullptr);
    DcmItem* concept = GetItem(*quantity, DCM_ConceptCodeSequence);
    ASSERT_TRUE(concept != nullptr);
    EXPECT_EQ("113041", GetString(*concept, DCM_CodeValue));

    DcmItem* transformation = GetItem(*shared, DCM_PixelValueTransformationSequence);
    ASSERT_TRUE(transformation != nullptr);
    ExpectDecimals({ 1 }, *transformation, DCM_RescaleSlope, 0);
    ExpectDecimals({ 0 }, *transformation, DCM_RescaleIntercept, 0);
    DcmItem* frameType = GetItem(*shared, DCM_ParametricMapFrameTypeSequence);
    ASSERT_TRUE(frameType != nullptr);
    EXPECT_EQ("DERIVED\\PRIMARY\\VOLUME\\NONE", GetString(*frameType, DCM_FrameType));

    // The one NaN voxel is a NaN pixel, wherever it is
    const size_t expectedNanCount = static_cast<size_t>(
      std::count_if(voxels.begin(), voxels.end(), [](Source v) { return std::isnan(v); }));
    unsigned long count = 0;
    if (isDouble)
    {
      EXPECT_EQ("<absent>", GetString(d, DCM_FloatPixelData));
      const Float64* pixels = nullptr;
      ASSERT_TRUE(d.findAndGetFloat64Array(DCM_DoubleFloatPixelData, pixels, &count).good());
      EXPECT_EQ(expectedNanCount,
                ExpectExactFrames(reinterpret_cast<const Stored*>(pixels), count, voxels, slices, timePoints));
    }
    else
    {
      EXPECT_EQ("<absent>", GetString(d, DCM_DoubleFloatPixelData));
      const Float32* pixels = nullptr;
      ASSERT_TRUE(d.findAndGetFloat32Array(DCM_FloatPixelData, pixels, &count).good());
      EXPECT_EQ(expectedNanCount,
                ExpectExactFrames(reinterpret_cast<const Stored*>(pixels), count, voxels, slices, timePoints));
    }

    // dcmpmap, DCMTK's own model of the IOD, reads the same frames
    std::unique_ptr<DcmFileFormat> copy = ParseDicom(series->sink.buffers[0]);
    ASSERT_TRUE(copy != nullptr);
    OFvariant<OFCondition, DPMParametricMapIOD*> loaded = DPMParametricMapIOD::loadDataset(*copy->getDataset());
    if (OFCondition* error = OFget<OFCondition>(&loaded))
    {
      FAIL() << "dcmpmap cannot load the Parametric Map: " << error->text();
    }
    std::unique_ptr<DPMParametricMapIOD> map(*OFget<DPMParametricMapIOD*>(&loaded));
    ASSERT_TRUE(map != nullptr);
    EXPECT_EQ(slices.size(), map->getNumberOfFrames());
    Uint16 rows = 0, columns = 0;
    EXPECT_TRUE(map->getRows(rows).good());
    EXPECT_TRUE(map->getColumns(columns).good());
    EXPECT_EQ(NY, rows);
    EXPECT_EQ(NX, columns);
    EXPECT_EQ(DPMTypes::CQ_RESEARCH, map->getContentQualification());
    DPMParametricMapIOD::FramesType frames = map->getFrames();
    DPMParametricMapIOD::Frames<Stored>* typed = OFget<DPMParametricMapIOD::Frames<Stored> >(&frames);
    ASSERT_TRUE(typed != nullptr) << "dcmpmap sees another pixel type";
    size_t nanCount = 0;
    for (size_t f = 0; f < slices.size(); f++)
    {
      SCOPED_TRACE("dcmpmap frame " + std::to_string(f));
      const Stored* frame = typed->getFrame(f);
      ASSERT_TRUE(frame != nullptr);
      const std::vector<int64_t> one = { slices[f] }, oneTime = { timePoints[f] };
      nanCount += ExpectExactFrames(frame, static_cast<size_t>(NX * NY), voxels, one, oneTime);
    }
    EXPECT_EQ(expectedNanCount, nanCount);
  }
}


TEST(ParametricMapIod, Float32ThreeAndFourDimensional)
{
  for (int64_t nt : { int64_t(1), NT })
  {
    SCOPED_TRACE(nt == 1 ? "3D" : "4D");
    CheckParametricMap<Float32>(MakeFloat32Values(nt), DT_FLOAT32, nt, Modality::MR);
  }
}


TEST(ParametricMapIod, Float64KeptAsDouble)
{
  for (int64_t nt : { int64_t(1), NT })
  {
    SCOPED_TRACE(nt == 1 ? "3D" : "4D");
    CheckParametricMap<Float64>(MakeFloat64Values(nt), DT_FLOAT64, nt, Modality::MR);
  }
}


TEST(ParametricMapIod, Float64RoundedToFloat32)
{
  // Without DoublePrecision, each value is the nearest float
  CheckParametricMap<Float32>(MakeFloat64Values(1), DT_FLOAT64, 1, Modality::MR);
}


TEST(ParametricMapIod, ModalityOfTheOptions)
{
  CheckParametricMap<Float32>(MakeFloat32Values(1), DT_FLOAT32, 1, Modality::CT);
}
