#include "Nifti/NiftiSummary.h"
#include "NiftiTestFile.h"

#include <gtest/gtest.h>
#include <json/reader.h>
#include <json/writer.h>

#include <limits>
#include <memory>

using namespace NiftiToDicom;
using namespace NiftiTest;

namespace
{
  // The summary as an upload stores it and reads it back
  Json::Value RoundTrip(const Json::Value& value)
  {
    Json::StreamWriterBuilder writerBuilder;
    const std::string text = Json::writeString(writerBuilder, value);

    Json::CharReaderBuilder readerBuilder;
    std::unique_ptr<Json::CharReader> reader(readerBuilder.newCharReader());
    Json::Value parsed;
    std::string errors;
    EXPECT_TRUE(reader->parse(text.data(), text.data() + text.size(), &parsed, &errors))
      << errors << " in " << text;
    return parsed;
  }
}


TEST(NiftiSummary, Describe)
{
  NiftiTestFile f(1, { 4, 3, 2, 5 }, DT_INT16);
  f.pixdim[1] = 0.75;
  f.pixdim[2] = 1.25;
  f.pixdim[3] = 2.5;
  f.pixdim[4] = 0.8;
  f.descrip = "a test";
  const double rows[3][4] = { { -0.75, 0, 0, 90 }, { 0, 1.25, 0, -126 }, { 0, 0, 2.5, -72 } };
  f.SetSform(2, rows);
  f.SetZeroVoxels();
  const std::string file = f.Build();

  const Json::Value s = RoundTrip(NiftiSummary::Describe(NiftiHeader::Parse(file.data(), file.size())));
  EXPECT_EQ(1, s["Version"].asInt());
  ASSERT_EQ(4u, s["Dimensions"].size());
  EXPECT_EQ(5, s["Dimensions"][3].asInt());
  EXPECT_EQ("INT16", s["DataType"].asString());
  ASSERT_EQ(3u, s["VoxelSize"].size());
  EXPECT_DOUBLE_EQ(1.25, s["VoxelSize"][1].asDouble());
  EXPECT_NEAR(0.8, s["RepetitionTime"].asDouble(), 1e-6);
  EXPECT_EQ("sform", s["Transform"].asString());
  EXPECT_EQ(2, s["TransformCode"].asInt());
  EXPECT_EQ("LAS", s["Orientation"].asString());
  EXPECT_EQ("a test", s["Description"].asString());
}


TEST(NiftiSummary, NonFiniteNumbersAreNull)
{
  // JSON has no Inf or NaN: JsonCpp would write 1e+9999 and not read it back
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int version = 1; version <= 2; version++)
  {
    SCOPED_TRACE(version);
    NiftiTestFile f(version, { 2, 2, 2, 3 }, DT_UINT8);
    f.pixdim[1] = inf;
    f.pixdim[2] = nan;
    f.pixdim[3] = 2;
    f.pixdim[4] = -inf;
    f.SetZeroVoxels();
    const std::string file = f.Build();

    const Json::Value s = RoundTrip(NiftiSummary::Describe(NiftiHeader::Parse(file.data(), file.size())));
    ASSERT_EQ(3u, s["VoxelSize"].size());
    EXPECT_TRUE(s["VoxelSize"][0].isNull());
    EXPECT_TRUE(s["VoxelSize"][1].isNull());
    EXPECT_DOUBLE_EQ(2, s["VoxelSize"][2].asDouble());
    EXPECT_TRUE(s.isMember("RepetitionTime"));
    EXPECT_TRUE(s["RepetitionTime"].isNull());
    EXPECT_EQ(2, s["Dimensions"][0].asInt());
  }
}
