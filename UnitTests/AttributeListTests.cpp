#include "Metadata/AttributeList.h"
#include "Metadata/TagOverrides.h"
#include "Common/ConversionError.h"
#include "TestHelpers.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>

#include <json/value.h>

#include <gtest/gtest.h>

#include <string>

using namespace NiftiToDicom;

namespace
{
  std::string Repeat(const std::string& s, size_t times)
  {
    std::string result;
    for (size_t i = 0; i < times; i++)
    {
      result += s;
    }
    return result;
  }

  bool IsValid(const DcmTagKey& tag, const std::string& value)
  {
    std::string problem;
    return AttributeList::Check(problem, tag, value);
  }

  std::string Problem(const DcmTagKey& tag, const std::string& value)
  {
    std::string problem;
    EXPECT_FALSE(AttributeList::Check(problem, tag, value)) << value;
    return problem;
  }

  std::string GetString(DcmItem& item, const DcmTagKey& tag)
  {
    OFString value;
    if (item.findAndGetOFStringArray(tag, value).good())
    {
      return value.c_str();
    }
    return "<absent>";
  }
}


TEST(AttributeList, LongString)
{
  EXPECT_TRUE(IsValid(DCM_ProtocolName, Repeat("a", 64)));
  EXPECT_TRUE(IsValid(DCM_ProtocolName, Repeat("\xC3\xA9", 64)));   // 64 characters, 128 bytes
  EXPECT_TRUE(IsValid(DCM_SoftwareVersions, Repeat("a", 64) + "\\" + Repeat("b", 64)));   // per value
  EXPECT_TRUE(IsValid(DCM_ProtocolName, ""));

  EXPECT_EQ("longer than the 64 characters that LO holds", Problem(DCM_ProtocolName, Repeat("a", 65)));
  EXPECT_FALSE(IsValid(DCM_ProtocolName, Repeat("\xC3\xA9", 65)));
  EXPECT_FALSE(IsValid(DCM_SoftwareVersions, "a\\" + Repeat("b", 65)));
}


TEST(AttributeList, OtherCharacterStrings)
{
  EXPECT_TRUE(IsValid(DCM_StationName, Repeat("s", 16)));
  EXPECT_EQ("longer than the 16 characters that SH holds", Problem(DCM_StationName, Repeat("s", 17)));

  EXPECT_TRUE(IsValid(DCM_InstitutionAddress, Repeat("a", 1024)));
  EXPECT_TRUE(IsValid(DCM_InstitutionAddress, Repeat("a\\", 512)));   // one value: the backslash is a character
  EXPECT_FALSE(IsValid(DCM_InstitutionAddress, Repeat("a", 1025)));

  EXPECT_TRUE(IsValid(DCM_ImageComments, "line 1\nline 2"));
  EXPECT_TRUE(IsValid(DCM_ImageComments, Repeat("x", 10240)));
  EXPECT_FALSE(IsValid(DCM_ImageComments, Repeat("x", 10241)));

  EXPECT_TRUE(IsValid(DCM_OperatorsName, Repeat("a", 64) + "=" + Repeat("b", 64)));   // per component group
  EXPECT_EQ("longer than the 64 characters that PN holds in each component group",
            Problem(DCM_OperatorsName, "Doe^J=" + Repeat("b", 65)));
}


TEST(AttributeList, NotUtf8)
{
  EXPECT_TRUE(IsValid(DCM_ImageComments, "Gr\xC3\xB6\xC3\x9F" "e \xE2\x82\xAC"));
  EXPECT_EQ("it is not valid UTF-8", Problem(DCM_ImageComments, "Gr\xF6\xDF" "e"));   // Latin-1
  EXPECT_EQ("it is not valid UTF-8", Problem(DCM_ProtocolName, "a\xC3"));            // cut sequence
  EXPECT_EQ("it is not valid UTF-8", Problem(DCM_ProtocolName, "\xED\xA0\x80"));     // surrogate
}


TEST(AttributeList, CodeString)
{
  EXPECT_TRUE(IsValid(DCM_BodyPartExamined, "BRAIN"));
  EXPECT_TRUE(IsValid(DCM_ScanOptions, "PFP\\FS"));
  EXPECT_TRUE(IsValid(DCM_BodyPartExamined, Repeat("A", 16)));
  EXPECT_EQ("", Problem(DCM_BodyPartExamined, "brain"));   // DCMTK's refusal: the VR says why
  EXPECT_FALSE(IsValid(DCM_BodyPartExamined, Repeat("A", 17)));
}


TEST(AttributeList, DecimalAndIntegerStrings)
{
  for (const char* good : { "92.5", "-0", "1e+300", "4.9e-324", "1234567890123456" })
  {
    EXPECT_TRUE(IsValid(DCM_EchoTime, good)) << good;
  }
  for (const char* bad : { "fast", "1.2.3", "12345678901234567", "1,5" })
  {
    EXPECT_FALSE(IsValid(DCM_EchoTime, bad)) << bad;
  }

  for (const char* good : { "901", "0", "-5", "2147483647" })
  {
    EXPECT_TRUE(IsValid(DCM_SeriesNumber, good)) << good;
  }
  for (const char* bad : { "abc", "1.5", "2147483648", "1e3" })
  {
    EXPECT_FALSE(IsValid(DCM_SeriesNumber, bad)) << bad;
  }
}


TEST(AttributeList, DatesAndTimes)
{
  EXPECT_TRUE(IsValid(DCM_AcquisitionDate, "20230101"));
  for (const char* bad : { "yesterday", "20231340", "2023-01-01" })
  {
    EXPECT_FALSE(IsValid(DCM_AcquisitionDate, bad)) << bad;
  }

  for (const char* good : { "131934.087500", "000000", "1319", "235960", "235960.5", "120000\\235960" })
  {
    EXPECT_TRUE(IsValid(DCM_AcquisitionTime, good)) << good;   // 60 s: a leap second, which PS3.5 allows
  }
  for (const char* bad : { "noon", "250000", "126100", "236000" })
  {
    EXPECT_FALSE(IsValid(DCM_AcquisitionTime, bad)) << bad;
  }
}


TEST(AttributeList, UniqueIdentifier)
{
  EXPECT_TRUE(IsValid(DCM_FrameOfReferenceUID, "1.2.840.10008.1.2"));
  EXPECT_FALSE(IsValid(DCM_FrameOfReferenceUID, "1.2.abc"));
}


TEST(AttributeList, SetRefusesWithTheOriginAndTheLabel)
{
  AttributeList list("\"Tags\"");
  EXPECT_CONVERSION_ERROR(list.Set(DCM_SeriesNumber, "1.5", "SeriesNumber (0020,0011)"), InvalidInput,
                          "\"Tags\": \"1.5\" is not a valid value for SeriesNumber (0020,0011) (VR IS)");
  EXPECT_CONVERSION_ERROR(list.Set(DCM_ProtocolName, Repeat("p", 65), "ProtocolName (0018,1030)"), InvalidInput,
                          "(VR LO): longer than the 64 characters that LO holds");
  EXPECT_CONVERSION_ERROR(list.Set(DCM_ReferencedSeriesSequence, "", "ReferencedSeriesSequence"), InvalidInput,
                          "does not hold a text value");
  EXPECT_TRUE(list.IsEmpty());   // nothing refused was kept
}


TEST(AttributeList, SetKeepsOneValuePerTagSortedByTag)
{
  AttributeList list("test");
  list.Set(DCM_SeriesDescription, "first", "SeriesDescription");
  list.Set(DCM_EchoTime, "12", "EchoTime");
  list.Set(DCM_Manufacturer, "Siemens", "Manufacturer");
  list.Set(DCM_SeriesDescription, "second", "0008,103e");

  ASSERT_EQ(3u, list.GetEntries().size());
  EXPECT_EQ(DCM_Manufacturer, list.GetEntries()[0].first);
  EXPECT_EQ(DCM_SeriesDescription, list.GetEntries()[1].first);
  EXPECT_EQ(DCM_EchoTime, list.GetEntries()[2].first);

  std::string value;
  ASSERT_TRUE(list.Lookup(value, DCM_SeriesDescription));
  EXPECT_EQ("second", value);
  EXPECT_FALSE(list.Lookup(value, DCM_ProtocolName));
}


TEST(AttributeList, ApplyToWritesAndReplaces)
{
  AttributeList list("test");
  list.Set(DCM_ProtocolName, "Diffusion FA", "ProtocolName");
  list.Set(DCM_ScanOptions, "PFP\\FS", "ScanOptions");
  list.Set(DCM_EchoTime, "92.5", "EchoTime");
  list.Set(DCM_ImageComments, "Gr\xC3\xB6\xC3\x9F" "e", "ImageComments");
  list.Set(DCM_Manufacturer, "", "Manufacturer");

  DcmDataset dataset;
  ASSERT_TRUE(dataset.putAndInsertString(DCM_EchoTime, "99").good());
  ASSERT_TRUE(dataset.putAndInsertString(DCM_SeriesNumber, "3").good());
  list.ApplyTo(dataset);

  EXPECT_EQ("Diffusion FA", GetString(dataset, DCM_ProtocolName));
  EXPECT_EQ("PFP\\FS", GetString(dataset, DCM_ScanOptions));
  EXPECT_EQ("92.5", GetString(dataset, DCM_EchoTime));   // replaced
  EXPECT_EQ("Gr\xC3\xB6\xC3\x9F" "e", GetString(dataset, DCM_ImageComments));
  EXPECT_EQ("", GetString(dataset, DCM_Manufacturer));   // present, empty
  EXPECT_EQ("3", GetString(dataset, DCM_SeriesNumber));  // untouched

  OFString second;
  ASSERT_TRUE(dataset.findAndGetOFString(DCM_ScanOptions, second, 1).good());
  EXPECT_EQ("FS", std::string(second.c_str()));
}


TEST(TagOverrides, NewRefusalsOfTheAttributeList)
{
  Json::Value tags(Json::objectValue);
  tags["ProtocolName"] = Repeat("p", 65);
  EXPECT_CONVERSION_ERROR(TagOverrides::Parse(tags), InvalidInput,
                          "\"Tags\": \"" + Repeat("p", 65) + "\" is not a valid value for ProtocolName");

  Json::Value latin1(Json::objectValue);
  latin1["ImageComments"] = "Gr\xF6\xDF" "e";
  EXPECT_CONVERSION_ERROR(TagOverrides::Parse(latin1), InvalidInput, "not valid UTF-8");
}


TEST(TagOverrides, AttributeNamedTwiceGetsOneValue)
{
  // "0020,0011" comes before "SeriesNumber" in member order: the last one
  // is both what Lookup() tells and what ApplyTo() writes
  Json::Value tags(Json::objectValue);
  tags["0020,0011"] = "5";
  tags["SeriesNumber"] = "7";
  const TagOverrides overrides = TagOverrides::Parse(tags);

  std::string value;
  ASSERT_TRUE(overrides.Lookup(value, DCM_SeriesNumber));
  EXPECT_EQ("7", value);

  DcmDataset dataset;
  overrides.ApplyTo(dataset);
  EXPECT_EQ("7", GetString(dataset, DCM_SeriesNumber));
}
