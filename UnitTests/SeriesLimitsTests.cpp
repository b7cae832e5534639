// The bounds on what one import may produce (Plan/SeriesLimits): each is
// refused as TooLarge with the name of the option to raise, before the
// instances are built.

#include "IodTestVolumes.h"

#include "Common/ConversionError.h"
#include "Plan/SeriesLimits.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

using namespace NiftiToDicom;
using namespace IodTest;

namespace
{
  // The message of the TooLarge error "action" throws, "" if none
  std::string TooLargeMessage(const std::function<void()>& action)
  {
    try
    {
      action();
    }
    catch (ConversionError& e)
    {
      EXPECT_EQ(ErrorKind::TooLarge, e.GetKind()) << e.what();
      return e.what();
    }
    return "";
  }

  bool Names(const std::string& message, const std::string& option)
  {
    return message.find("configuration option " + option + " (") != std::string::npos;
  }

  int64_t LabelMapFrames()
  {
    int64_t frames = 0;
    for (int label : LABELS)
    {
      for (int64_t k = 0; k < NZ; k++)
      {
        bool present = false;
        for (int64_t j = 0; j < NY; j++)
        {
          for (int64_t i = 0; i < NX; i++)
          {
            present = present || LabelValue(i, j, k) == label;
          }
        }
        frames += present ? 1 : 0;
      }
    }
    return frames;
  }

  std::unique_ptr<Series> ConvertLabelMap(const SeriesLimits& limits)
  {
    SeriesOptions options = Options(IodType::Segmentation);
    options.limits = limits;
    return Convert(MakeLabelNifti(NX, 1), std::move(options));
  }
}


TEST(SeriesLimits, DefaultsKeepRealData)
{
  const SeriesLimits limits;
  limits.CheckInstances(300, 200);       // a long 4D fMRI run: 60000 slices
  limits.CheckFrames(60000);
  limits.CheckSegments(1100);            // a 1000-parcel atlas with its subcortical labels
  limits.CheckSegmentationBytes(static_cast<uint64_t>(40000) * 512 * 512 / 8);   // 117 organs of a whole-body CT
}


TEST(SeriesLimits, InstancesWithoutOverflow)
{
  SeriesLimits limits;
  limits.maximumInstances = 8;
  limits.CheckInstances(4, 2);
  EXPECT_TRUE(Names(TooLargeMessage([&] { limits.CheckInstances(3, 3); }), "MaximumInstances"));

  // 2^40 x 2^40 wraps to 0 in 64 bits
  const int64_t huge = static_cast<int64_t>(1) << 40;
  const std::string message = TooLargeMessage([&] { limits.CheckInstances(huge, huge); });
  EXPECT_TRUE(Names(message, "MaximumInstances")) << message;
  EXPECT_NE(std::string::npos, message.find("1099511627776 slices x 1099511627776 time points")) << message;
}


TEST(SeriesLimits, Tags)
{
  SeriesLimits limits;
  limits.maximumTags = 2;
  limits.maximumTagsBytes = 1024;

  Json::Value tags(Json::objectValue);
  tags["ProtocolName"] = "x";
  tags["SeriesNumber"] = 901;
  limits.CheckTags(tags);
  limits.CheckTags(Json::Value());   // no "Tags"

  tags["ImageComments"] = "y";
  EXPECT_TRUE(Names(TooLargeMessage([&] { limits.CheckTags(tags); }), "MaximumTags"));

  tags.removeMember("ImageComments");
  tags["ProtocolName"] = std::string(1024, 'a');
  const std::string message = TooLargeMessage([&] { limits.CheckTags(tags); });
  EXPECT_TRUE(Names(message, "MaximumTagsSize")) << message;
  EXPECT_NE(std::string::npos, message.find("1 KB")) << message;
}


TEST(SeriesLimits, ClassicInstancesRefusedBeforeAnyInstance)
{
  for (int limit = NZ * NT - 1; limit <= NZ * NT; limit++)
  {
    SCOPED_TRACE(limit);
    SeriesOptions options = Options(IodType::MrImage);
    options.limits.maximumInstances = limit;
    const NiftiVolume volume(MakeInt16Nifti(NT), 1 << 20);
    NiftiTest::CollectingSink sink;
    const std::string message = TooLargeMessage([&]
    {
      SeriesConverter::Convert(volume, NiftiTest::LoadParent(NiftiTest::MR_SMALL), std::move(options), sink);
    });
    if (limit < NZ * NT)
    {
      EXPECT_TRUE(Names(message, "MaximumInstances")) << message;
      EXPECT_TRUE(sink.files.empty());
    }
    else
    {
      EXPECT_EQ("", message);
      EXPECT_EQ(static_cast<size_t>(NZ * NT), sink.files.size());
    }
  }
}


TEST(SeriesLimits, MultiFrameFrames)
{
  SeriesOptions options = Options(IodType::EnhancedMrImage);
  options.limits.maximumFrames = NZ * NT - 1;
  const NiftiVolume volume(MakeInt16Nifti(NT), 1 << 20);
  NiftiTest::CollectingSink sink;
  const std::string message = TooLargeMessage([&]
  {
    SeriesConverter::Convert(volume, NiftiTest::LoadParent(NiftiTest::MR_SMALL), std::move(options), sink);
  });
  EXPECT_TRUE(Names(message, "MaximumFrames")) << message;
  EXPECT_TRUE(sink.files.empty());
}


TEST(SeriesLimits, SegmentationSegments)
{
  SeriesLimits limits;
  limits.maximumSegments = static_cast<int64_t>(LABELS.size()) - 1;
  EXPECT_TRUE(Names(TooLargeMessage([&] { ConvertLabelMap(limits); }), "MaximumSegments"));

  limits.maximumSegments = static_cast<int64_t>(LABELS.size());
  std::unique_ptr<Series> series = ConvertLabelMap(limits);
  ASSERT_TRUE(series != nullptr);
  EXPECT_EQ(1u, series->sink.files.size());
}


TEST(SeriesLimits, SegmentationFrames)
{
  const int64_t frames = LabelMapFrames();
  SeriesLimits limits;
  limits.maximumFrames = frames - 1;
  EXPECT_TRUE(Names(TooLargeMessage([&] { ConvertLabelMap(limits); }), "MaximumFrames"));

  limits.maximumFrames = frames;
  ASSERT_TRUE(ConvertLabelMap(limits) != nullptr);
}


TEST(SeriesLimits, SegmentationPixelData)
{
  const uint64_t bytes = (LabelMapFrames() * NX * NY + 7) / 8;
  SeriesLimits limits;
  limits.maximumSegmentationBytes = bytes - 1;
  EXPECT_TRUE(Names(TooLargeMessage([&] { ConvertLabelMap(limits); }), "MaximumSegmentationSize"));

  limits.maximumSegmentationBytes = bytes;
  ASSERT_TRUE(ConvertLabelMap(limits) != nullptr);

  // Beyond what DICOM's 32-bit length holds, whatever the option says
  limits.maximumSegmentationBytes = UINT64_MAX;
  const std::string message = TooLargeMessage([&] { limits.CheckSegmentationBytes(0x100000000ull); });
  EXPECT_NE(std::string::npos, message.find("4 GB")) << message;
}
