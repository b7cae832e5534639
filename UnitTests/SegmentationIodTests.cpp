// Segmentation: a label map as a binary Segmentation, one segment per label
// and one 1-bit frame per slice where the label appears; also read back by
// DCMTK's dcmseg.

#include "IodTestChecks.h"
#include "IodTestVolumes.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

using namespace NiftiToDicom;
using namespace NiftiTest;
using namespace IodTest;

namespace
{
  struct SegmentFrame
  {
    int     segment;   // 1-based
    int64_t k;
  };

  // Segment by segment, the slices where the segment's label appears (the
  // same for any width from 5 on)
  std::vector<SegmentFrame> ExpectedSegmentFrames()
  {
    std::vector<SegmentFrame> frames;
    for (size_t s = 0; s < LABELS.size(); s++)
    {
      for (int64_t k = 0; k < NZ; k++)
      {
        bool present = false;
        for (int64_t j = 0; j < NY; j++)
        {
          for (int64_t i = 0; i < NX; i++)
          {
            present = present || LabelValue(i, j, k) == LABELS[s];
          }
        }
        if (present)
        {
          frames.push_back({ static_cast<int>(s + 1), k });
        }
      }
    }
    return frames;
  }

  bool GetBit(const Uint8* bytes, size_t bit)
  {
    return (bytes[bit / 8] >> (bit % 8)) & 1;
  }

  // sRGB red in CIELab (D65) is L* 53.24, a* 80.09, b* 67.20 (published
  // values), scaled as PS3.3 C.10.7.1.1 says
  const Uint16 RED_LAB[3] = { 34891, 53480, 50167 };
}


TEST(SegmentationIod, LabelMap)
{
  // 15-bit frames: most start in the middle of a byte
  std::unique_ptr<Series> series = ConvertLabelMap(NX);
  ASSERT_TRUE(series != nullptr);
  ASSERT_EQ(1u, series->sink.files.size());
  DcmDataset& d = series->sink.Get(0);

  CheckCommonModules(*series->sink.files[0], *series, UID_SegmentationStorage, "SEG", true);
  EXPECT_EQ(NY, GetUint16(d, DCM_Rows));
  EXPECT_EQ(NX, GetUint16(d, DCM_Columns));
  EXPECT_EQ(1, GetUint16(d, DCM_SamplesPerPixel));
  EXPECT_EQ("MONOCHROME2", GetString(d, DCM_PhotometricInterpretation));
  EXPECT_EQ(1, GetUint16(d, DCM_BitsAllocated));
  EXPECT_EQ(1, GetUint16(d, DCM_BitsStored));
  EXPECT_EQ(0, GetUint16(d, DCM_HighBit));
  EXPECT_EQ("BINARY", GetString(d, DCM_SegmentationType));
  EXPECT_EQ("SEGMENTATION", GetString(d, DCM_ContentLabel));

  // One segment per label, in label order
  const char* const names[] = { "Liver", "Label 3", "Spleen" };
  ASSERT_EQ(LABELS.size(), CountItems(d, DCM_SegmentSequence));
  for (size_t s = 0; s < LABELS.size(); s++)
  {
    SCOPED_TRACE("segment " + std::to_string(s + 1));
    DcmItem* segment = GetItem(d, DCM_SegmentSequence, static_cast<int>(s));
    ASSERT_TRUE(segment != nullptr);
    EXPECT_EQ(s + 1, GetUint16(*segment, DCM_SegmentNumber));
    EXPECT_EQ(names[s], GetString(*segment, DCM_SegmentLabel));
    EXPECT_EQ("NIfTI label value " + std::to_string(LABELS[s]), GetString(*segment, DCM_SegmentDescription));
    EXPECT_EQ("AUTOMATIC", GetString(*segment, DCM_SegmentAlgorithmType));
    EXPECT_EQ(1u, CountItems(*segment, DCM_SegmentedPropertyCategoryCodeSequence));
    EXPECT_EQ(1u, CountItems(*segment, DCM_SegmentedPropertyTypeCodeSequence));
    EXPECT_EQ(s == 0 ? 3u : 0u, GetDecimals(*segment, DCM_RecommendedDisplayCIELabValue).size());
  }

  const std::vector<SegmentFrame> expected = ExpectedSegmentFrames();
  ASSERT_EQ(7u, expected.size());   // label 1 on 4 slices, 3 on 2, 7 on 1
  std::vector<int64_t> slices;
  std::vector<std::string> indexValues;
  for (const SegmentFrame& frame : expected)
  {
    slices.push_back(frame.k);
    indexValues.push_back(std::to_string(frame.segment) + "\\" + std::to_string(frame.k + 1));
  }
  CheckFunctionalGroups(d, slices, indexValues, 2);
  for (size_t f = 0; f < expected.size(); f++)
  {
    DcmItem* perFrame = GetItem(d, DCM_PerFrameFunctionalGroupsSequence, static_cast<int>(f));
    ASSERT_TRUE(perFrame != nullptr);
    DcmItem* identification = GetItem(*perFrame, DCM_SegmentIdentificationSequence);
    ASSERT_TRUE(identification != nullptr);
    EXPECT_EQ(expected[f].segment, GetUint16(*identification, DCM_ReferencedSegmentNumber));
  }

  // The frames' bits follow one another, least significant bit first
  const Uint8* bytes = nullptr;
  unsigned long count = 0;
  ASSERT_TRUE(d.findAndGetUint8Array(DCM_PixelData, bytes, &count).good());
  const size_t bits = expected.size() * NX * NY;
  EXPECT_EQ((bits + 7) / 8 + ((bits + 7) / 8) % 2, count);
  ASSERT_GE(count * 8, bits);
  for (size_t f = 0; f < expected.size(); f++)
  {
    for (int64_t r = 0; r < NY; r++)
    {
      for (int64_t c = 0; c < NX; c++)
      {
        const bool inside = LabelValue(c, NY - 1 - r, expected[f].k) == LABELS[expected[f].segment - 1];
        EXPECT_EQ(inside, GetBit(bytes, f * NX * NY + static_cast<size_t>(r * NX + c)))
          << "frame " << f << ", pixel (c=" << c << ", r=" << r << ")";
      }
    }
  }
}


TEST(SegmentationIod, ReadByDcmseg)
{
  // 8 x 3 pixels: frames of whole bytes. DCMTK 3.6.7 (Debian 12) cuts the
  // frames wrongly when they do not end on a byte boundary (frames that
  // start mid-byte lose their last bits), which SegmentationIod.LabelMap
  // checks for our files without dcmseg.
  const int64_t nx = 8;
  std::unique_ptr<Series> series = ConvertLabelMap(nx);
  ASSERT_TRUE(series != nullptr);
  ASSERT_EQ(1u, series->sink.files.size());
  std::unique_ptr<DcmFileFormat> copy = ParseDicom(series->sink.buffers[0]);
  ASSERT_TRUE(copy != nullptr);

  DcmSegmentation* loaded = nullptr;
  const OFCondition status = DcmSegmentation::loadDataset(*copy->getDataset(), loaded);
  ASSERT_TRUE(status.good()) << "dcmseg cannot load the Segmentation: " << status.text();
  std::unique_ptr<DcmSegmentation> segmentation(loaded);

  EXPECT_EQ(DcmSegTypes::ST_BINARY, segmentation->getSegmentationType());
  ASSERT_EQ(LABELS.size(), segmentation->getNumberOfSegments());
  const char* const names[] = { "Liver", "Label 3", "Spleen" };
  for (size_t s = 0; s < LABELS.size(); s++)
  {
    SCOPED_TRACE("segment " + std::to_string(s + 1));
    DcmSegment* segment = segmentation->getSegment(s + 1);
    ASSERT_TRUE(segment != nullptr);
    OFString label, description;
    EXPECT_TRUE(segment->getSegmentLabel(label).good());
    EXPECT_EQ(names[s], std::string(label.c_str()));
    EXPECT_TRUE(segment->getSegmentDescription(description).good());
    EXPECT_EQ("NIfTI label value " + std::to_string(LABELS[s]), std::string(description.c_str()));
    EXPECT_EQ(DcmSegTypes::SAT_AUTOMATIC, segment->getSegmentAlgorithmType());

    Uint16 l = 0, a = 0, b = 0;
    const bool hasColor = segment->getRecommendedDisplayCIELabValue(l, a, b).good();
    EXPECT_EQ(s == 0, hasColor);
    if (s == 0)
    {
      // Tolerance for the rounding of the published values and the matrix
      EXPECT_NEAR(RED_LAB[0], l, 40);
      EXPECT_NEAR(RED_LAB[1], a, 40);
      EXPECT_NEAR(RED_LAB[2], b, 40);
    }
  }

  const std::vector<SegmentFrame> expected = ExpectedSegmentFrames();
  ASSERT_EQ(expected.size(), segmentation->getNumberOfFrames());
  for (size_t s = 0; s < LABELS.size(); s++)
  {
    OFVector<size_t> frames;
    segmentation->getFramesForSegment(s + 1, frames);
    std::vector<size_t> expectedFrames;
    for (size_t f = 0; f < expected.size(); f++)
    {
      if (expected[f].segment == static_cast<int>(s + 1))
      {
        expectedFrames.push_back(f);
      }
    }
    EXPECT_EQ(expectedFrames, std::vector<size_t>(frames.begin(), frames.end())) << "segment " << s + 1;
  }

  // dcmseg unpacks each frame to start on a byte of its own
  for (size_t f = 0; f < expected.size(); f++)
  {
    SCOPED_TRACE("frame " + std::to_string(f));
    const DcmIODTypes::Frame* frame = segmentation->getFrame(f);
    ASSERT_TRUE(frame != nullptr);
    ASSERT_EQ(static_cast<size_t>(nx * NY / 8), frame->length);
    for (int64_t r = 0; r < NY; r++)
    {
      for (int64_t c = 0; c < nx; c++)
      {
        const bool inside = LabelValue(c, NY - 1 - r, expected[f].k) == LABELS[expected[f].segment - 1];
        EXPECT_EQ(inside, GetBit(frame->pixData, static_cast<size_t>(r * nx + c)))
          << "pixel (c=" << c << ", r=" << r << ")";
      }
    }
  }
}


TEST(SegmentationIod, RefusesFourDimensionalLabelMaps)
{
  SeriesOptions options = Options(IodType::Segmentation);
  EXPECT_CONVERSION_ERROR(Convert(MakeLabelNifti(NX, NT), std::move(options)), Unsupported, "3D");
}
