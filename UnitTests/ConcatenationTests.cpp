// Multi-frame objects beyond MaximumInstanceSize: a DICOM concatenation
// (PS3.3 C.7.6.16.2.2.4) whose pieces hold whole frames, the frames of the
// whole object in order, and otherwise the same attributes.

#include "IodTestChecks.h"
#include "IodTestVolumes.h"
#include "NiftiTestFile.h"

#include "Common/ConversionError.h"
#include "Plan/Concatenation.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <thread>
#include <stdexcept>
#include <string>

using namespace NiftiToDicom;
using namespace NiftiTest;
using namespace IodTest;

namespace
{
  // The bytes of the pixels, whatever the attribute and its VR
  std::string GetPixelBytes(DcmDataset& d)
  {
    DcmElement* element = nullptr;
    if (d.findAndGetElement(DCM_FloatPixelData, element).good())
    {
      const Float32* values = nullptr;
      EXPECT_TRUE(d.findAndGetFloat32Array(DCM_FloatPixelData, values).good());
      return std::string(reinterpret_cast<const char*>(values), element->getLength());
    }
    EXPECT_TRUE(d.findAndGetElement(DCM_PixelData, element).good());
    if (element == nullptr)
    {
      return "";
    }
    if (GetString(d, DCM_BitsAllocated) == "16")
    {
      const Uint16* values = nullptr;
      EXPECT_TRUE(d.findAndGetUint16Array(DCM_PixelData, values).good());
      return std::string(reinterpret_cast<const char*>(values), element->getLength());
    }
    const Uint8* values = nullptr;
    EXPECT_TRUE(d.findAndGetUint8Array(DCM_PixelData, values).good());
    return std::string(reinterpret_cast<const char*>(values), element->getLength());
  }

  std::string GetIndexValues(DcmDataset& d, int frame)
  {
    DcmItem* perFrame = GetItem(d, DCM_PerFrameFunctionalGroupsSequence, frame);
    DcmItem* content = perFrame == nullptr ? nullptr : GetItem(*perFrame, DCM_FrameContentSequence);
    return content == nullptr ? "<absent>" : GetString(*content, DCM_DimensionIndexValues);
  }

  std::string GetPosition(DcmDataset& d, int frame)
  {
    DcmItem* perFrame = GetItem(d, DCM_PerFrameFunctionalGroupsSequence, frame);
    DcmItem* position = perFrame == nullptr ? nullptr : GetItem(*perFrame, DCM_PlanePositionSequence);
    return position == nullptr ? "<absent>" : GetString(*position, DCM_ImagePositionPatient);
  }

  // Records how many Store calls overlap: each waits a little, so that
  // instances built by several threads at once overlap here
  class OverlapSink : public IInstanceSink
  {
  private:
    std::atomic<int> inside_;

  public:
    std::atomic<int> most;
    std::atomic<int> stored;

    OverlapSink() : inside_(0), most(0), stored(0)
    {
    }

    void Store(const std::string& dicomFile, int64_t index, int64_t count) override
    {
      const int now = ++inside_;
      int seen = most;
      while (now > seen && !most.compare_exchange_weak(seen, now))
      {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      --inside_;
      ++stored;
    }
  };

  // Converts "nifti" whole and with "maximumBytes", and checks that the
  // pieces ("firstFrames" their offsets) are the whole object cut on frame
  // boundaries, with the concatenation attributes
  void CheckPieces(const std::string& nifti, IodType iod, uint64_t maximumBytes,
                   const std::vector<int64_t>& firstFrames, const char* sopClassUid)
  {
    SeriesOptions wholeOptions = Options(iod);
    wholeOptions.limits.maximumInstanceBytes = 0;   // never split
    const std::unique_ptr<Series> whole = Convert(nifti, std::move(wholeOptions));
    ASSERT_TRUE(whole != nullptr);
    ASSERT_EQ(1u, whole->sink.files.size());
    DcmDataset& w = whole->sink.Get(0);
    EXPECT_EQ("<absent>", GetString(w, DCM_ConcatenationUID));
    const std::string wholePixels = GetPixelBytes(w);
    const int64_t frames = NZ * NT;
    ASSERT_EQ(std::to_string(frames), GetString(w, DCM_NumberOfFrames));
    ASSERT_EQ(0u, wholePixels.size() % frames);
    const size_t frameBytes = wholePixels.size() / frames;

    SeriesOptions options = Options(iod);
    options.limits.maximumInstanceBytes = maximumBytes;
    const std::unique_ptr<Series> split = Convert(nifti, std::move(options));
    ASSERT_TRUE(split != nullptr);
    const size_t pieces = firstFrames.size();
    ASSERT_EQ(pieces, split->sink.files.size());
    EXPECT_EQ(static_cast<int64_t>(pieces), split->summary.instancesCount);

    DcmDataset& first = split->sink.Get(0);
    const std::string concatenationUid = GetString(first, DCM_ConcatenationUID);
    const std::string sourceUid = GetString(first, DCM_SOPInstanceUIDOfConcatenationSource);
    EXPECT_NE("<absent>", concatenationUid);
    EXPECT_NE("<absent>", sourceUid);
    EXPECT_NE(concatenationUid, sourceUid);

    std::set<std::string> sopInstanceUids;
    std::string pixels;
    for (size_t p = 0; p < pieces; p++)
    {
      SCOPED_TRACE("piece " + std::to_string(p + 1));
      DcmDataset& d = split->sink.Get(p);
      EXPECT_EQ(split->sink.indexes[p], static_cast<int64_t>(p));   // one thread, in order
      const int64_t offset = firstFrames[p];
      const int64_t count = (p + 1 < pieces ? firstFrames[p + 1] : frames) - offset;
      EXPECT_LE(static_cast<uint64_t>(count) * frameBytes, std::max<uint64_t>(maximumBytes, frameBytes));

      EXPECT_EQ(sopClassUid, GetString(d, DCM_SOPClassUID));
      sopInstanceUids.insert(GetString(d, DCM_SOPInstanceUID));
      EXPECT_NE(sourceUid, GetString(d, DCM_SOPInstanceUID));
      EXPECT_EQ(std::to_string(p + 1), GetString(d, DCM_InstanceNumber));
      EXPECT_EQ(std::to_string(count), GetString(d, DCM_NumberOfFrames));
      EXPECT_EQ(static_cast<unsigned long>(count), CountItems(d, DCM_PerFrameFunctionalGroupsSequence));
      EXPECT_EQ(concatenationUid, GetString(d, DCM_ConcatenationUID));
      EXPECT_EQ(sourceUid, GetString(d, DCM_SOPInstanceUIDOfConcatenationSource));
      EXPECT_EQ(std::to_string(p + 1), GetString(d, DCM_InConcatenationNumber));
      EXPECT_EQ(std::to_string(pieces), GetString(d, DCM_InConcatenationTotalNumber));
      EXPECT_EQ(std::to_string(offset), GetString(d, DCM_ConcatenationFrameOffsetNumber));

      // What must be the same in every piece: the series, the dimensions, the shared groups
      for (const DcmTagKey& tag : { DCM_SeriesInstanceUID, DCM_StudyInstanceUID, DCM_FrameOfReferenceUID,
                                    DCM_SeriesNumber, DCM_ContentDate, DCM_ContentTime, DCM_Rows, DCM_Columns,
                                    DCM_DimensionOrganizationType })
      {
        EXPECT_EQ(GetString(first, tag), GetString(d, tag)) << DcmTag(tag).getTagName();
      }
      EXPECT_EQ(GetString(w, DCM_SeriesNumber), GetString(d, DCM_SeriesNumber));
      DcmItem* organization = GetItem(d, DCM_DimensionOrganizationSequence);
      DcmItem* firstOrganization = GetItem(first, DCM_DimensionOrganizationSequence);
      ASSERT_TRUE(organization != nullptr && firstOrganization != nullptr);
      EXPECT_EQ(GetString(*firstOrganization, DCM_DimensionOrganizationUID),
                GetString(*organization, DCM_DimensionOrganizationUID));
      EXPECT_EQ(CountItems(w, DCM_DimensionIndexSequence), CountItems(d, DCM_DimensionIndexSequence));

      // The frames of the whole object, numbered as there
      for (int64_t f = 0; f < count; f++)
      {
        EXPECT_EQ(GetIndexValues(w, static_cast<int>(offset + f)), GetIndexValues(d, static_cast<int>(f)));
        EXPECT_EQ(GetPosition(w, static_cast<int>(offset + f)), GetPosition(d, static_cast<int>(f)));
      }
      const std::string piecePixels = GetPixelBytes(d);
      EXPECT_EQ(static_cast<size_t>(count) * frameBytes, piecePixels.size());
      pixels += piecePixels;
    }
    EXPECT_EQ(pieces, sopInstanceUids.size());
    EXPECT_TRUE(pixels == wholePixels);
  }
}


TEST(Concatenation, PiecesOfWholeFrames)
{
  const Concatenation c(8, 30, 90);
  EXPECT_TRUE(c.IsSplit());
  ASSERT_EQ(3, c.GetPieceCount());
  EXPECT_EQ(0, c.GetFirstFrame(0));
  EXPECT_EQ(3, c.GetFirstFrame(1));
  EXPECT_EQ(6, c.GetFirstFrame(2));
  EXPECT_EQ(3, c.GetFrameCount(0));
  EXPECT_EQ(3, c.GetFrameCount(1));
  EXPECT_EQ(2, c.GetFrameCount(2));
  EXPECT_THROW(c.GetFirstFrame(3), std::out_of_range);
  EXPECT_THROW(c.GetFrameCount(-1), std::out_of_range);

  // Just under, exactly at and just over the bound
  EXPECT_EQ(2, Concatenation(8, 30, 89).GetFrameCount(0));
  EXPECT_EQ(4, Concatenation(8, 30, 89).GetPieceCount());
  EXPECT_FALSE(Concatenation(8, 30, 240).IsSplit());
  EXPECT_EQ(2, Concatenation(8, 30, 239).GetPieceCount());

  // A frame larger than the bound is a piece of its own
  const Concatenation single(5, 100, 90);
  EXPECT_EQ(5, single.GetPieceCount());
  EXPECT_EQ(4, single.GetFirstFrame(4));
  EXPECT_EQ(1, single.GetFrameCount(4));
}


TEST(Concatenation, WholeVolumesWhenOneFits)
{
  // 10 volumes of 4 slices, room for 11 frames: 2 volumes a piece
  const Concatenation c(40, 30, 11 * 30, 4);
  ASSERT_EQ(5, c.GetPieceCount());
  EXPECT_EQ(8, c.GetFrameCount(0));
  EXPECT_EQ(32, c.GetFirstFrame(4));
  EXPECT_EQ(8, c.GetFrameCount(4));

  // Room for exactly one volume, then for less: whole frames
  EXPECT_EQ(4, Concatenation(40, 30, 4 * 30, 4).GetFrameCount(0));
  EXPECT_EQ(3, Concatenation(40, 30, 3 * 30, 4).GetFrameCount(0));
  EXPECT_EQ(14, Concatenation(40, 30, 3 * 30, 4).GetPieceCount());

  // 3 volumes of 4 slices, room for 9 frames: 8 + 4
  const Concatenation last(12, 30, 9 * 30, 4);
  ASSERT_EQ(2, last.GetPieceCount());
  EXPECT_EQ(4, last.GetFrameCount(1));
}


TEST(Concatenation, NotSplit)
{
  EXPECT_EQ(1, Concatenation(8, 30, 0).GetPieceCount());    // the option turned off
  EXPECT_EQ(1, Concatenation(8, 0, 10).GetPieceCount());    // an IOD never split
  EXPECT_EQ(1, Concatenation(0, 30, 10).GetPieceCount());
  const Concatenation c(8, 30, 0);
  EXPECT_EQ(0, c.GetFirstFrame(0));
  EXPECT_EQ(8, c.GetFrameCount(0));
}


TEST(Concatenation, AtMost65535Pieces)
{
  EXPECT_EQ(65535, Concatenation(65535, 100, 100).GetPieceCount());
  EXPECT_CONVERSION_ERROR(Concatenation(65536, 100, 100), TooLarge, "MaximumInstanceSize");
  EXPECT_CONVERSION_ERROR(Concatenation(100000, 100, 99), TooLarge, "MaximumInstanceSize");
}


TEST(Concatenation, EnhancedMr)
{
  // 5x3 int16 frames of 30 bytes, 8 frames: 3 + 3 + 2
  CheckPieces(MakeInt16Nifti(NT), IodType::EnhancedMrImage, 90, { 0, 3, 6 }, UID_EnhancedMRImageStorage);
  // Room for 7 frames: one whole volume (4 slices) a piece
  CheckPieces(MakeInt16Nifti(NT), IodType::EnhancedMrImage, 7 * 30, { 0, 4 }, UID_EnhancedMRImageStorage);
}


TEST(Concatenation, EnhancedMrColor)
{
  // RGB frames of 45 bytes: 2 a piece
  CheckPieces(MakeRgbNifti(NT), IodType::EnhancedMrColorImage, 90, { 0, 2, 4, 6 },
              UID_EnhancedMRColorImageStorage);
}


TEST(Concatenation, ParametricMap)
{
  // float32 frames of 60 bytes, larger than the bound: one a piece
  CheckPieces(MakeFloatNifti(MakeFloat32Values(NT), DT_FLOAT32, NT), IodType::ParametricMap, 50,
              { 0, 1, 2, 3, 4, 5, 6, 7 }, UID_ParametricMapStorage);
}


TEST(Concatenation, WholeWhenSmallEnough)
{
  // The default bound (128 MB): one instance, no concatenation attribute
  const std::unique_ptr<Series> series = Convert(MakeInt16Nifti(NT), Options(IodType::EnhancedMrImage));
  ASSERT_TRUE(series != nullptr);
  ASSERT_EQ(1u, series->sink.files.size());
  DcmDataset& d = series->sink.Get(0);
  for (const DcmTagKey& tag : { DCM_ConcatenationUID, DCM_SOPInstanceUIDOfConcatenationSource,
                                DCM_InConcatenationNumber, DCM_InConcatenationTotalNumber,
                                DCM_ConcatenationFrameOffsetNumber })
  {
    EXPECT_EQ("<absent>", GetString(d, tag)) << DcmTag(tag).getTagName();
  }
  EXPECT_EQ("1", GetString(d, DCM_InstanceNumber));
}


TEST(Concatenation, SegmentationNeverSplit)
{
  // Its frames are bits and segments: a concatenation of it is not offered
  SeriesOptions options = Options(IodType::Segmentation);
  options.limits.maximumInstanceBytes = 1;
  options.labels = MakeSegmentLabels();
  const std::unique_ptr<Series> series = Convert(MakeLabelNifti(NX, 1), std::move(options));
  ASSERT_TRUE(series != nullptr);
  ASSERT_EQ(1u, series->sink.files.size());
  EXPECT_EQ("<absent>", GetString(series->sink.Get(0), DCM_ConcatenationUID));
}


TEST(Concatenation, PiecesBuiltOneAtATime)
{
  // Several pieces in memory at once would multiply the bound the option sets
  const ParentStudyTags parent = LoadParent(MR_SMALL);
  const NiftiVolume volume(MakeInt16Nifti(NT), 1 << 20);
  for (uint64_t maximumBytes : { uint64_t(30), uint64_t(0) })
  {
    SCOPED_TRACE(maximumBytes);
    SeriesOptions options = Options(IodType::EnhancedMrImage);
    options.limits.maximumInstanceBytes = maximumBytes;
    OverlapSink sink;
    SeriesConverter::Convert(volume, parent, std::move(options), sink, 4);
    EXPECT_EQ(maximumBytes == 0 ? 1 : NZ * NT, sink.stored);
    EXPECT_EQ(1, sink.most);
  }

  // Control: classic instances, from the same 4 threads, do overlap
  OverlapSink classic;
  SeriesConverter::Convert(volume, parent, Options(IodType::MrImage), classic, 4);
  EXPECT_EQ(NZ * NT, classic.stored);
  EXPECT_GT(classic.most, 1);
}
