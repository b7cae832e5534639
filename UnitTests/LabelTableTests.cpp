// Label tables: each text format as the tools write it, the inline JSON
// form with codes, the built-in FreeSurfer table, and the refusals (which
// line, and why).

#include "Metadata/FreeSurferLabels.h"
#include "Metadata/LabelTable.h"

#include "TestHelpers.h"

#include <gtest/gtest.h>

using namespace NiftiToDicom;

namespace
{
  void ExpectLabel(const LabelTable& table, int64_t index, const std::string& name, int r, int g, int b)
  {
    SCOPED_TRACE("label " + std::to_string(index));
    auto found = table.labels.find(index);
    ASSERT_TRUE(found != table.labels.end());
    EXPECT_EQ(name, found->second.name);
    ASSERT_TRUE(found->second.hasColor);
    EXPECT_EQ(r, found->second.color[0]);
    EXPECT_EQ(g, found->second.color[1]);
    EXPECT_EQ(b, found->second.color[2]);
  }

  void ExpectRefused(const std::string& text, const std::string& words)
  {
    SCOPED_TRACE(text);
    try
    {
      LabelTable::ParseText(text);
      ADD_FAILURE() << "accepted";
    }
    catch (ConversionError& e)
    {
      EXPECT_EQ(ErrorKind::InvalidInput, e.GetKind());
      EXPECT_NE(std::string::npos, std::string(e.what()).find(words)) << e.what();
    }
  }
}


TEST(LabelTable, BidsDseg)
{
  const LabelTable table = LabelTable::ParseText(
    "index\tname\tabbreviation\tcolor\tmapping\n"
    "0\tBackground\tBG\t#000000\t0\n"
    "1\tGray Matter\tGM\t#ff0000\t8\n"
    "2\tWhite Matter\tWM\t#00Ff7f\t2\n"
    "3\tCerebrospinal Fluid\tCSF\tn/a\t3\n");
  EXPECT_EQ("BIDS dseg.tsv", table.format);
  ASSERT_EQ(3u, table.labels.size());   // background left out
  ExpectLabel(table, 1, "Gray Matter", 255, 0, 0);
  ExpectLabel(table, 2, "White Matter", 0, 255, 127);
  EXPECT_EQ("Cerebrospinal Fluid", table.labels.at(3).name);
  EXPECT_FALSE(table.labels.at(3).hasColor);
  EXPECT_TRUE(table.labels.at(1).category.IsEmpty());

  // Without a color column, Windows line ends, columns in another order
  const LabelTable other = LabelTable::ParseText("name\tindex\r\nTumour\t4\r\n");
  ASSERT_EQ(1u, other.labels.size());
  EXPECT_EQ("Tumour", other.labels.at(4).name);
}


TEST(LabelTable, FreeSurferLut)
{
  const LabelTable table = LabelTable::ParseText(
    "#$Id: FreeSurferColorLUT.txt,v 1.105 $\n"
    "\n"
    "#No. Label Name:                            R   G   B   A\n"
    "\n"
    "0   Unknown                                 0   0   0   0\n"
    "2   Left-Cerebral-White-Matter              245 245 245 0\n"
    "17  Left-Hippocampus                        220 216 20  0\n"
    "   1035    ctx-lh-insula                   255 192 32  0\n"
    "41  Right-Cerebral-White-Matter             0   225 0   0 (**NOTE: depending on the templates**)\n");
  EXPECT_EQ("FreeSurfer or 3D Slicer colour table", table.format);
  ASSERT_EQ(4u, table.labels.size());
  ExpectLabel(table, 2, "Left-Cerebral-White-Matter", 245, 245, 245);
  ExpectLabel(table, 41, "Right-Cerebral-White-Matter", 0, 225, 0);   // a note after A, as some LUTs have
  ExpectLabel(table, 17, "Left-Hippocampus", 220, 216, 20);
  ExpectLabel(table, 1035, "ctx-lh-insula", 255, 192, 32);

  // 3D Slicer's colour table (.ctbl/.txt): the same form, alpha 255
  const LabelTable slicer = LabelTable::ParseText("# Color table file GenericAnatomyColors\n"
                                                  "# 3 values\n0 background 0 0 0 0\n1 tissue 128 174 128 255\n"
                                                  "2 bone 241 214 145 255\n");
  ExpectLabel(slicer, 1, "tissue", 128, 174, 128);
  ExpectLabel(slicer, 2, "bone", 241, 214, 145);
}


TEST(LabelTable, ItkSnap)
{
  const LabelTable table = LabelTable::ParseText(
    "################################################\n"
    "# ITK-SnAP Label Description File\n"
    "# Columns = IDX -R- -G- -B- -A-- VIS MSH LABEL\n"
    "################################################\n"
    "    0     0    0    0        0  0  0    \"Clear Label\"\n"
    "    1   255    0    0        1  1  1    \"Label 1\"\n"
    "    5     0  255  128      0.5  1  0    \"Left hippocampus, tail\"\n");
  EXPECT_EQ("ITK-SNAP label description", table.format);
  ASSERT_EQ(2u, table.labels.size());
  ExpectLabel(table, 1, "Label 1", 255, 0, 0);
  ExpectLabel(table, 5, "Left hippocampus, tail", 0, 255, 128);
}


TEST(LabelTable, SlicerCsv)
{
  const LabelTable table = LabelTable::ParseText(
    "LabelValue,Name,Color_R,Color_G,Color_B,Color_A\n"
    "0,Background,0,0,0,0\n"
    "1,\"Liver, left lobe\",221,130,101,255\n"
    "7,spleen,157,108,162,255\n");
  EXPECT_EQ("3D Slicer colour table (CSV)", table.format);
  ASSERT_EQ(2u, table.labels.size());
  ExpectLabel(table, 1, "Liver, left lobe", 221, 130, 101);
  ExpectLabel(table, 7, "spleen", 157, 108, 162);
}


TEST(LabelTable, LongNamesAreCutToLo)
{
  const LabelTable table = LabelTable::ParseText("1 " + std::string(100, 'n') + " 1 2 3 0\n");
  EXPECT_EQ(std::string(64, 'n'), table.labels.at(1).name);
}


TEST(LabelTable, RefusesMalformedTables)
{
  ExpectRefused("", "empty");
  ExpectRefused("# only comments\n\n", "empty");
  ExpectRefused("0 Unknown 0 0 0 0\n", "only the background");
  ExpectRefused("1 a 1 2 3 0\n2 b 1 2\n", "line 2 of the FreeSurfer or 3D Slicer colour table: expected");
  ExpectRefused("1 a 1 2 3 0\n\n# comment\nx b 1 2 3 0\n", "line 4");
  ExpectRefused("1 a 1 2 3 0\n2 b 1 256 3 0\n", "the green value \"256\"");
  ExpectRefused("1 Left hippocampus 1 2 3 0\n", "the red value \"hippocampus\"");
  ExpectRefused("1 a 1 2 3 0.5\n", "the alpha value");
  ExpectRefused("1 a 1 2 3 0\n1 b 1 2 3 0\n", "line 2 of the FreeSurfer or 3D Slicer colour table: the label 1 is given twice");
  ExpectRefused("70000 a 1 2 3 0\n", "not a label value");
  ExpectRefused("-1 a 1 2 3 0\n", "not a label value");
  ExpectRefused("1 a\\b 1 2 3 0\n", "backslash");
  ExpectRefused("index\tname\tcolor\n1\tA\t#12345\n", "line 2 of the BIDS dseg.tsv: the color \"#12345\"");
  ExpectRefused("index\tname\tcolor\n1\tA\n", "line 2 of the BIDS dseg.tsv: found 2 tab-separated column(s), the header line has 3");
  ExpectRefused("index\tname\n1\t \n", "has no name");
  ExpectRefused("idx\tnames\n1\tA\n", "expected \"index name R G B A\"");
  ExpectRefused("    1   255    0    0        1  1  1    \"Label 1\n", "ITK-SNAP label description: expected");
  ExpectRefused("    1   255    0    0        1  1      \"Label 1\"\n", "found 6");
  ExpectRefused("    1   255    0    0        2  1  1    \"Label 1\"\n", "opacity \"2\"");
  ExpectRefused("LabelValue,Name,Color_R,Color_G\n1,a,2,3\n", "no column \"color_b\"");
  ExpectRefused("LabelValue,Name,Color_R,Color_G,Color_B,Color_A\n1,\"a,2,3,4,5\n", "line 2 of the 3D Slicer colour table (CSV): a double quote");
  ExpectRefused(std::string("1 caf\xE9 1 2 3 0\n"), "not UTF-8");
}


TEST(LabelTable, RefusesHugeTables)
{
  std::string text;
  while (text.size() <= LabelTable::MAX_TEXT_BYTES)
  {
    text += "# padding padding padding padding padding padding padding padding\n";
  }
  EXPECT_CONVERSION_ERROR(LabelTable::ParseText(text), TooLarge, "MB");
}


TEST(LabelTable, InlineJsonWithCodes)
{
  Json::Value labels(Json::objectValue);
  labels["17"]["Name"] = "Left hippocampus";
  labels["17"]["Color"].append(220);
  labels["17"]["Color"].append(216);
  labels["17"]["Color"].append(20);
  labels["17"]["Category"]["CodeValue"] = "123037004";
  labels["17"]["Category"]["CodingSchemeDesignator"] = "SCT";
  labels["17"]["Category"]["CodeMeaning"] = "Anatomical Structure";
  labels["17"]["Type"]["CodeValue"] = "5366008";
  labels["17"]["Type"]["CodingSchemeDesignator"] = "SCT";
  labels["17"]["Type"]["CodeMeaning"] = "Hippocampus";
  labels["17"]["Modifier"]["CodeValue"] = "7771000";
  labels["17"]["Modifier"]["CodingSchemeDesignator"] = "SCT";
  labels["17"]["Modifier"]["CodeMeaning"] = "Left";
  labels["2"]["Name"] = "Plain";

  const LabelTable table = LabelTable::Parse(labels);
  EXPECT_EQ("JSON", table.format);
  ExpectLabel(table, 17, "Left hippocampus", 220, 216, 20);
  const SegmentLabel& label = table.labels.at(17);
  EXPECT_EQ("123037004", label.category.value);
  EXPECT_EQ("5366008", label.type.value);
  EXPECT_EQ("Hippocampus", label.type.meaning);
  EXPECT_EQ("7771000", label.typeModifier.value);
  EXPECT_TRUE(table.labels.at(2).category.IsEmpty());

  // The preview shows the same
  const Json::Value json = table.ToJson();
  ASSERT_EQ(2u, json["Labels"].size());
  EXPECT_EQ(17, json["Labels"][1]["Index"].asInt());
  EXPECT_EQ("Hippocampus", json["Labels"][1]["Type"]["CodeMeaning"].asString());
  EXPECT_EQ("Left", json["Labels"][1]["Modifier"]["CodeMeaning"].asString());
  EXPECT_EQ(20, json["Labels"][1]["Color"][2].asInt());

  // A type needs its category, codes must fit their VRs
  Json::Value typeOnly = labels;
  typeOnly["17"].removeMember("Category");
  EXPECT_CONVERSION_ERROR(LabelTable::Parse(typeOnly), InvalidInput, "without a Category");
  Json::Value longCode = labels;
  longCode["17"]["Type"]["CodeValue"] = std::string(17, '1');
  EXPECT_CONVERSION_ERROR(LabelTable::Parse(longCode), InvalidInput, "16 characters");
  Json::Value notCode = labels;
  notCode["17"]["Modifier"] = "Left";
  EXPECT_CONVERSION_ERROR(LabelTable::Parse(notCode), InvalidInput, "code object");
  EXPECT_CONVERSION_ERROR(LabelTable::Parse(Json::Value(5)), InvalidInput, "FreeSurfer");
}


TEST(LabelTable, UploadIds)
{
  EXPECT_TRUE(LabelTable::IsUploadId("0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(LabelTable::IsUploadId("0123456789abcdef0123456789abcde"));
  EXPECT_FALSE(LabelTable::IsUploadId("0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(LabelTable::IsUploadId("1 Tumour 255 0 0 255"));
}


TEST(FreeSurferLabels, AsegAndAparc)
{
  const LabelTable& table = LabelTable::Parse(Json::Value("FreeSurfer"));
  EXPECT_EQ("FreeSurfer", table.format);
  EXPECT_EQ(0u, table.labels.count(0));
  EXPECT_EQ(49u + 72u, table.labels.size());   // aseg, and 36 parcels on each side

  // FreeSurferColorLUT's names and colours
  ExpectLabel(table, 2, "Left-Cerebral-White-Matter", 245, 245, 245);
  ExpectLabel(table, 41, "Right-Cerebral-White-Matter", 245, 245, 245);
  ExpectLabel(table, 17, "Left-Hippocampus", 220, 216, 20);
  ExpectLabel(table, 53, "Right-Hippocampus", 220, 216, 20);
  ExpectLabel(table, 16, "Brain-Stem", 119, 159, 176);
  ExpectLabel(table, 52, "Right-Pallidum", 13, 48, 255);
  ExpectLabel(table, 1035, "ctx-lh-insula", 255, 192, 32);
  ExpectLabel(table, 2024, "ctx-rh-precentral", 60, 20, 220);

  // SNOMED CT: the structure, and the side of a paired one
  const SegmentLabel& hippocampus = table.labels.at(17);
  EXPECT_EQ("123037004", hippocampus.category.value);
  EXPECT_EQ("SCT", hippocampus.category.scheme);
  EXPECT_EQ("5366008", hippocampus.type.value);
  EXPECT_EQ("Hippocampus", hippocampus.type.meaning);
  EXPECT_EQ("7771000", hippocampus.typeModifier.value);
  EXPECT_EQ("Left", hippocampus.typeModifier.meaning);
  EXPECT_EQ("24028007", table.labels.at(53).typeModifier.value);
  EXPECT_EQ("Right", table.labels.at(53).typeModifier.meaning);
  EXPECT_EQ("119238007", table.labels.at(16).type.value);
  EXPECT_TRUE(table.labels.at(16).typeModifier.IsEmpty());   // midline
  EXPECT_EQ("42695009", table.labels.at(49).type.value);     // thalamus
  EXPECT_EQ("91720002", table.labels.at(24).category.value); // CSF is a body substance
  EXPECT_EQ("65216001", table.labels.at(24).type.value);
  EXPECT_EQ("110700", table.labels.at(28).type.value);       // ventral DC (DCM)
  EXPECT_EQ("DCM", table.labels.at(28).type.scheme);
  EXPECT_EQ("40146001", table.labels.at(2024).type.value);   // a gyrus: cerebral cortex, right
  EXPECT_EQ("24028007", table.labels.at(2024).typeModifier.value);
  EXPECT_EQ("36169008", table.labels.at(1035).type.value);   // insula
  EXPECT_TRUE(table.labels.at(31).category.IsEmpty());       // choroid plexus: no code, the generic one

  // Every code fits its VR
  for (const auto& entry : table.labels)
  {
    for (const CodedConcept* code : { &entry.second.category, &entry.second.type, &entry.second.typeModifier })
    {
      EXPECT_LE(code->value.size(), 16u);
      EXPECT_LE(code->meaning.size(), 64u);
    }
    EXPECT_LE(entry.second.name.size(), 64u);
  }
}
