// Segmentations beyond the label map: 0/1 masks with a segment per volume
// (overlaps kept), probabilities as a FRACTIONAL Segmentation, and the codes
// a label table gives to the segments.

#include "IodTestChecks.h"
#include "IodTestVolumes.h"
#include "NiftiTestFile.h"

#include "Metadata/FreeSurferLabels.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace NiftiToDicom;
using namespace NiftiTest;
using namespace IodTest;

namespace
{
  const int64_t VOLUMES = 3;

  // Mask t covers columns t to t + 2 of slices k >= t: masks 1 and 2 overlap,
  // mask 3 (t = 2) is absent from slices 0 and 1
  double MaskValue(int64_t i, int64_t j, int64_t k, int64_t t)
  {
    return (i >= t && i <= t + 2 && k >= t) ? 1 : 0;
  }

  // Probabilities with every step of 1/255 near 0.5, and exact 0 and 1
  double Probability(int64_t i, int64_t j, int64_t k, int64_t t)
  {
    if (t == 1)
    {
      return 0;   // an empty segment
    }
    return (i == 0) ? 0 : (i == 1) ? 1 : (0.3 + 0.01 * j + 0.05 * k + 0.001 * i);
  }

  template <typename Generator>
  std::string MakeFloatVolumes(Generator value, int64_t volumes)
  {
    NiftiTestFile f(1, { NX, NY, NZ, volumes }, DT_FLOAT32);
    std::vector<float> values;
    for (int64_t t = 0; t < volumes; t++)
      for (int64_t k = 0; k < NZ; k++)
        for (int64_t j = 0; j < NY; j++)
          for (int64_t i = 0; i < NX; i++)
            values.push_back(static_cast<float>(value(i, j, k, t)));
    f.SetVoxels(values);
    f.SetSform(1, AFFINE);
    return f.Build();
  }

  bool GetBit(const Uint8* bytes, size_t bit)
  {
    return (bytes[bit / 8] >> (bit % 8)) & 1;
  }

  // The (segment, slice) of each frame
  std::vector<std::pair<int, int64_t> > ListFrames(DcmDataset& d)
  {
    std::vector<std::pair<int, int64_t> > frames;
    const unsigned long count = CountItems(d, DCM_PerFrameFunctionalGroupsSequence);
    for (unsigned long f = 0; f < count; f++)
    {
      DcmItem* perFrame = GetItem(d, DCM_PerFrameFunctionalGroupsSequence, static_cast<int>(f));
      DcmItem* identification = GetItem(*perFrame, DCM_SegmentIdentificationSequence);
      DcmItem* content = GetItem(*perFrame, DCM_FrameContentSequence);
      const Uint32* index = nullptr;
      unsigned long n = 0;
      EXPECT_TRUE(content->findAndGetUint32Array(DCM_DimensionIndexValues, index, &n).good());
      frames.push_back(std::make_pair(GetUint16(*identification, DCM_ReferencedSegmentNumber),
                                      static_cast<int64_t>(index[1]) - 1));
    }
    return frames;
  }
}


TEST(SegmentationKinds, FourDimensionalMasksOverlap)
{
  SeriesOptions options = Options(IodType::Segmentation);
  options.segmentationKind = SegmentationKind::Masks;
  options.labels[1].name = "Liver";
  options.labels[3].name = "Tumour";
  std::unique_ptr<Series> series = Convert(MakeFloatVolumes(MaskValue, VOLUMES), std::move(options));
  ASSERT_TRUE(series != nullptr);
  ASSERT_EQ(1u, series->sink.files.size());
  DcmDataset& d = series->sink.Get(0);
  EXPECT_EQ("BINARY", GetString(d, DCM_SegmentationType));
  EXPECT_EQ(1, GetUint16(d, DCM_BitsAllocated));
  EXPECT_EQ("3D", GetString(d, DCM_DimensionOrganizationType));

  // A segment per volume, named by volume number
  ASSERT_EQ(3u, CountItems(d, DCM_SegmentSequence));
  const char* const names[] = { "Liver", "Segment 2", "Tumour" };
  for (int s = 0; s < 3; s++)
  {
    DcmItem* segment = GetItem(d, DCM_SegmentSequence, s);
    EXPECT_EQ(names[s], GetString(*segment, DCM_SegmentLabel));
    EXPECT_EQ("NIfTI volume " + std::to_string(s + 1), GetString(*segment, DCM_SegmentDescription));
  }

  // Frames where each mask is present, and the masks rebuilt exactly
  const std::vector<std::pair<int, int64_t> > frames = ListFrames(d);
  ASSERT_EQ(static_cast<size_t>(NZ + (NZ - 1) + (NZ - 2)), frames.size());
  const Uint8* bytes = nullptr;
  unsigned long count = 0;
  ASSERT_TRUE(d.findAndGetUint8Array(DCM_PixelData, bytes, &count).good());
  size_t overlaps = 0;
  for (size_t f = 0; f < frames.size(); f++)
  {
    const int64_t t = frames[f].first - 1;
    EXPECT_GE(frames[f].second, t);
    for (int64_t r = 0; r < NY; r++)
    {
      for (int64_t c = 0; c < NX; c++)
      {
        const bool inside = MaskValue(c, NY - 1 - r, frames[f].second, t) == 1;
        EXPECT_EQ(inside, GetBit(bytes, f * NX * NY + static_cast<size_t>(r * NX + c)))
          << "frame " << f << ", pixel (c=" << c << ", r=" << r << ")";
        overlaps += (inside && t == 1 && MaskValue(c, NY - 1 - r, frames[f].second, 0) == 1) ? 1 : 0;
      }
    }
  }
  EXPECT_GT(overlaps, 0u);   // the same voxel in two segments
}


TEST(SegmentationKinds, FourDimensionalNeedsAType)
{
  // By default a Segmentation is a 3D label map, as it always was
  SeriesOptions options = Options(IodType::Segmentation);
  EXPECT_CONVERSION_ERROR(Convert(MakeFloatVolumes(MaskValue, VOLUMES), std::move(options)), Unsupported,
                          "\"SegmentationType\": \"Masks\"");
}


TEST(SegmentationKinds, MasksRefuseOtherValues)
{
  SeriesOptions options = Options(IodType::Segmentation);
  options.segmentationKind = SegmentationKind::Masks;
  EXPECT_CONVERSION_ERROR(Convert(MakeFloatVolumes(Probability, VOLUMES), std::move(options)), InvalidInput,
                          "Masks hold 0 (outside) and 1 (inside); volume 1");

  SeriesOptions labelMap = Options(IodType::Segmentation);
  labelMap.segmentationKind = SegmentationKind::LabelMap;
  EXPECT_CONVERSION_ERROR(Convert(MakeFloatVolumes(MaskValue, VOLUMES), std::move(labelMap)), Unsupported,
                          "\"Masks\"");

  SeriesOptions empty = Options(IodType::Segmentation);
  empty.segmentationKind = SegmentationKind::Masks;
  EXPECT_CONVERSION_ERROR(Convert(MakeFloatVolumes([](int64_t, int64_t, int64_t, int64_t) { return 0.0; }, 2),
                                  std::move(empty)), InvalidInput, "is 0");
}


TEST(SegmentationKinds, Fractional)
{
  SeriesOptions options = Options(IodType::Segmentation);
  options.segmentationKind = SegmentationKind::Fractional;
  std::unique_ptr<Series> series = Convert(MakeFloatVolumes(Probability, VOLUMES), std::move(options));
  ASSERT_TRUE(series != nullptr);
  DcmDataset& d = series->sink.Get(0);
  EXPECT_EQ("FRACTIONAL", GetString(d, DCM_SegmentationType));
  EXPECT_EQ("PROBABILITY", GetString(d, DCM_SegmentationFractionalType));
  EXPECT_EQ(255, GetUint16(d, DCM_MaximumFractionalValue));
  EXPECT_EQ(8, GetUint16(d, DCM_BitsAllocated));
  EXPECT_EQ(8, GetUint16(d, DCM_BitsStored));
  EXPECT_EQ(7, GetUint16(d, DCM_HighBit));
  ASSERT_EQ(3u, CountItems(d, DCM_SegmentSequence));   // the empty volume 2 is still segment 2
  EXPECT_EQ("NIfTI probability map", GetString(*GetItem(d, DCM_SegmentSequence, 0), DCM_SegmentAlgorithmName));

  const std::vector<std::pair<int, int64_t> > frames = ListFrames(d);
  ASSERT_EQ(static_cast<size_t>(2 * NZ), frames.size());   // segments 1 and 3, every slice
  const Uint8* bytes = nullptr;
  unsigned long count = 0;
  ASSERT_TRUE(d.findAndGetUint8Array(DCM_PixelData, bytes, &count).good());
  ASSERT_EQ(frames.size() * NX * NY, count);
  for (size_t f = 0; f < frames.size(); f++)
  {
    EXPECT_NE(2, frames[f].first);
    for (int64_t r = 0; r < NY; r++)
    {
      for (int64_t c = 0; c < NX; c++)
      {
        const double expected = static_cast<float>(Probability(c, NY - 1 - r, frames[f].second, frames[f].first - 1));
        EXPECT_NEAR(expected, bytes[f * NX * NY + r * NX + c] / 255.0, 0.5 / 255 + 1e-9);
      }
    }
  }

  // DCMTK reads it as fractional
  std::unique_ptr<DcmFileFormat> copy = ParseDicom(series->sink.buffers[0]);
  DcmSegmentation* loaded = nullptr;
  ASSERT_TRUE(DcmSegmentation::loadDataset(*copy->getDataset(), loaded).good());
  std::unique_ptr<DcmSegmentation> segmentation(loaded);
  EXPECT_EQ(DcmSegTypes::ST_FRACTIONAL, segmentation->getSegmentationType());
  EXPECT_EQ(3u, segmentation->getNumberOfSegments());
  EXPECT_EQ(frames.size(), segmentation->getNumberOfFrames());
}


TEST(SegmentationKinds, FractionalRefusesOtherValues)
{
  for (double bad : { 1.5, -0.25, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity() })
  {
    SCOPED_TRACE(bad);
    SeriesOptions options = Options(IodType::Segmentation);
    options.segmentationKind = SegmentationKind::Fractional;
    auto value = [bad](int64_t i, int64_t j, int64_t k, int64_t t) { return (i == 3 && k == 2 && t == 1) ? bad : 0.5; };
    EXPECT_CONVERSION_ERROR(Convert(MakeFloatVolumes(value, 2), std::move(options)), InvalidInput,
                            "probabilities from 0 to 1; volume 2");
  }
}


TEST(SegmentationKinds, CodesOfTheFreeSurferTable)
{
  // The label map's values 1, 3, 7 as FreeSurfer labels 17, 53, 16
  NiftiTestFile f(1, { NX, NY, NZ }, DT_UINT16);
  std::vector<uint16_t> values;
  const uint16_t freeSurfer[8] = { 0, 17, 0, 53, 0, 0, 0, 16 };
  for (int64_t k = 0; k < NZ; k++)
    for (int64_t j = 0; j < NY; j++)
      for (int64_t i = 0; i < NX; i++)
        values.push_back(freeSurfer[LabelValue(i, j, k)]);
  f.SetVoxels(values);
  f.SetSform(1, AFFINE);

  SeriesOptions options = Options(IodType::Segmentation);
  options.labels = FreeSurferLabels::Get().labels;
  std::unique_ptr<Series> series = Convert(f.Build(), std::move(options));
  ASSERT_TRUE(series != nullptr);
  DcmDataset& d = series->sink.Get(0);
  ASSERT_EQ(3u, CountItems(d, DCM_SegmentSequence));

  struct Expected { const char* name; const char* category; const char* type; const char* modifier; };
  const Expected expected[3] = {
    { "Brain-Stem", "123037004", "119238007", nullptr },
    { "Left-Hippocampus", "123037004", "5366008", "7771000" },
    { "Right-Hippocampus", "123037004", "5366008", "24028007" } };
  for (int s = 0; s < 3; s++)
  {
    SCOPED_TRACE(expected[s].name);
    DcmItem* segment = GetItem(d, DCM_SegmentSequence, s);
    EXPECT_EQ(expected[s].name, GetString(*segment, DCM_SegmentLabel));
    EXPECT_EQ(expected[s].category,
              GetString(*GetItem(*segment, DCM_SegmentedPropertyCategoryCodeSequence), DCM_CodeValue));
    DcmItem* type = GetItem(*segment, DCM_SegmentedPropertyTypeCodeSequence);
    EXPECT_EQ(expected[s].type, GetString(*type, DCM_CodeValue));
    EXPECT_EQ("SCT", GetString(*type, DCM_CodingSchemeDesignator));
    if (expected[s].modifier == nullptr)
    {
      EXPECT_EQ(0u, CountItems(*type, DCM_SegmentedPropertyTypeModifierCodeSequence));
    }
    else
    {
      EXPECT_EQ(expected[s].modifier,
                GetString(*GetItem(*type, DCM_SegmentedPropertyTypeModifierCodeSequence), DCM_CodeValue));
    }
    EXPECT_EQ(3u, GetDecimals(*segment, DCM_RecommendedDisplayCIELabValue).size());
  }

  // DCMTK reads the codes and the side
  std::unique_ptr<DcmFileFormat> copy = ParseDicom(series->sink.buffers[0]);
  DcmSegmentation* loaded = nullptr;
  ASSERT_TRUE(DcmSegmentation::loadDataset(*copy->getDataset(), loaded).good());
  std::unique_ptr<DcmSegmentation> segmentation(loaded);
  DcmSegment* hippocampus = segmentation->getSegment(2);
  ASSERT_TRUE(hippocampus != nullptr);
  OFString value, meaning;
  hippocampus->getSegmentedPropertyTypeCode().getCodeValue(value);
  EXPECT_EQ("5366008", std::string(value.c_str()));
  ASSERT_EQ(1u, hippocampus->getSegmentedPropertyTypeModifierCode().size());
  hippocampus->getSegmentedPropertyTypeModifierCode()[0]->getCodeMeaning(meaning);
  EXPECT_EQ("Left", std::string(meaning.c_str()));
}
