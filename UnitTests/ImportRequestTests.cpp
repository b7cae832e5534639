#include "Request/ImportRequest.h"
#include "Request/Base64.h"
#include "TestHelpers.h"

#include <dcmtk/dcmdata/dcdeftag.h>

#include <json/value.h>
#include <json/writer.h>

#include <gtest/gtest.h>

#include <random>

using namespace NiftiToDicom;
using namespace NiftiTest;

namespace
{
  // RFC 4648 base64, written for the tests; "lineLength" > 0 wraps the
  // output as "base64" does by default
  std::string EncodeBase64(const std::string& data, size_t lineLength = 0, const char* newline = "\n")
  {
    static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string plain;
    for (size_t i = 0; i < data.size(); i += 3)
    {
      const uint32_t b0 = static_cast<uint8_t>(data[i]);
      const uint32_t b1 = (i + 1 < data.size()) ? static_cast<uint8_t>(data[i + 1]) : 0;
      const uint32_t b2 = (i + 2 < data.size()) ? static_cast<uint8_t>(data[i + 2]) : 0;
      const uint32_t triple = (b0 << 16) | (b1 << 8) | b2;
      plain += ALPHABET[(triple >> 18) & 63];
      plain += ALPHABET[(triple >> 12) & 63];
      plain += (i + 1 < data.size()) ? ALPHABET[(triple >> 6) & 63] : '=';
      plain += (i + 2 < data.size()) ? ALPHABET[triple & 63] : '=';
    }

    if (lineLength == 0)
    {
      return plain;
    }
    std::string wrapped;
    for (size_t i = 0; i < plain.size(); i += lineLength)
    {
      wrapped += plain.substr(i, lineLength);
      wrapped += newline;
    }
    return wrapped;
  }

  std::string AllBytes(size_t size)
  {
    std::string s(size, '\0');
    for (size_t i = 0; i < size; i++)
    {
      s[i] = static_cast<char>((i * 37 + 11) & 0xff);
    }
    return s;
  }

  std::string ToJson(const Json::Value& value)
  {
    Json::StreamWriterBuilder builder;
    builder["indentation"] = "";
    return Json::writeString(builder, value);
  }

  Json::Value MakeBody(const std::string& nifti)
  {
    Json::Value body(Json::objectValue);
    body["Nifti"] = EncodeBase64(nifti);
    body["ParentStudy"] = "6e2c0ec2-5d99c8ca-c1c21cee-79a09605-68391d12";
    return body;
  }

  ImportRequest ParseBody(const std::string& body, size_t maxNiftiBytes = 1 << 20)
  {
    return ImportRequest::Parse(body.data(), body.size(), maxNiftiBytes);
  }

  ImportRequest ParseJson(const Json::Value& body, size_t maxNiftiBytes = 1 << 20)
  {
    return ParseBody(ToJson(body), maxNiftiBytes);
  }

  Json::Value BodyWithTag(const std::string& name, const Json::Value& value)
  {
    Json::Value body = MakeBody("nifti");
    body["Tags"] = Json::Value(Json::objectValue);
    body["Tags"][name] = value;
    return body;
  }
}


TEST(Base64, Decode)
{
  for (size_t size = 0; size < 70; size++)
  {
    SCOPED_TRACE(size);
    const std::string data = AllBytes(size);
    const std::string encoded = EncodeBase64(data);
    std::string decoded;
    ASSERT_TRUE(Base64::Decode(decoded, encoded.data(), encoded.data() + encoded.size()));
    EXPECT_EQ(data, decoded);
    EXPECT_GE(Base64::DecodedSizeBound(encoded.size()), decoded.size());
  }

  std::string decoded;
  const std::string known = "TWFu";
  ASSERT_TRUE(Base64::Decode(decoded, known.data(), known.data() + known.size()));
  EXPECT_EQ("Man", decoded);
}


TEST(Base64, DecodeWithLineBreaks)
{
  const std::string data = AllBytes(1000);
  for (const char* newline : { "\n", "\r\n" })
  {
    const std::string encoded = EncodeBase64(data, 76, newline);
    std::string decoded;
    ASSERT_TRUE(Base64::Decode(decoded, encoded.data(), encoded.data() + encoded.size()));
    EXPECT_EQ(data, decoded);
  }

  const std::string spaced = " TW Fu\tTW\nE= ";
  std::string decoded;
  ASSERT_TRUE(Base64::Decode(decoded, spaced.data(), spaced.data() + spaced.size()));
  EXPECT_EQ("ManMa", decoded);
}


TEST(Base64, DecodeRefusesInvalid)
{
  for (const std::string bad : { "TWF@", "TW.u", "T", "TWFuT", "TQ==TQ==", "TWFu=", "=TWF", "TQ===", "TWF\x80",
                                 "TQ=x" })
  {
    SCOPED_TRACE(bad);
    std::string decoded;
    EXPECT_FALSE(Base64::Decode(decoded, bad.data(), bad.data() + bad.size()));
  }
}


TEST(ImportRequest, ValidBody)
{
  const std::string nifti = AllBytes(5000);
  Json::Value body = MakeBody(nifti);
  body["SeriesDescription"] = "FA map";
  body["Filename"] = "sub-01_FA.nii.gz";

  const ImportRequest request = ParseJson(body);
  EXPECT_EQ(nifti, request.nifti);
  EXPECT_EQ("6e2c0ec2-5d99c8ca-c1c21cee-79a09605-68391d12", request.parentStudy);
  EXPECT_EQ("FA map", request.seriesDescription);
  EXPECT_EQ("sub-01_FA.nii.gz", request.filename);
  EXPECT_EQ(OutputModality::Auto, request.modality);
  EXPECT_TRUE(request.tags.IsEmpty());
  EXPECT_TRUE(request.warnings.empty());
}


TEST(ImportRequest, MinimalBody)
{
  const ImportRequest request = ParseJson(MakeBody("x"));
  EXPECT_EQ("x", request.nifti);
  EXPECT_EQ("", request.seriesDescription);
  EXPECT_EQ("", request.filename);
}


TEST(ImportRequest, Base64WithLineBreaks)
{
  const std::string nifti = AllBytes(3000);
  Json::Value body = MakeBody(nifti);
  body["Nifti"] = EncodeBase64(nifti, 76, "\n");
  EXPECT_EQ(nifti, ParseJson(body).nifti);

  body["Nifti"] = EncodeBase64(nifti, 64, "\r\n");
  EXPECT_EQ(nifti, ParseJson(body).nifti);
}


TEST(ImportRequest, InvalidBase64)
{
  for (const char* bad : { "not base64!", "QUJD$", "Q", "QQ==QQ==" })
  {
    SCOPED_TRACE(bad);
    Json::Value body = MakeBody("");
    body["Nifti"] = bad;
    EXPECT_CONVERSION_ERROR(ParseJson(body), InvalidInput, "base64");
  }
}


TEST(ImportRequest, MissingFields)
{
  Json::Value noNifti = MakeBody("abc");
  noNifti.removeMember("Nifti");
  EXPECT_CONVERSION_ERROR(ParseJson(noNifti), InvalidInput, "\"Nifti\"");

  Json::Value noParent = MakeBody("abc");
  noParent.removeMember("ParentStudy");
  EXPECT_CONVERSION_ERROR(ParseJson(noParent), InvalidInput, "\"ParentStudy\"");

  Json::Value emptyParent = MakeBody("abc");
  emptyParent["ParentStudy"] = "";
  EXPECT_CONVERSION_ERROR(ParseJson(emptyParent), InvalidInput, "\"ParentStudy\"");

  Json::Value emptyNifti = MakeBody("abc");
  emptyNifti["Nifti"] = "";
  EXPECT_CONVERSION_ERROR(ParseJson(emptyNifti), InvalidInput, "\"Nifti\"");

  EXPECT_CONVERSION_ERROR(ParseBody("{}"), InvalidInput, "missing");
}


TEST(ImportRequest, WrongTypes)
{
  const struct
  {
    const char* field;
    Json::Value value;
  } cases[] =
  {
    { "Nifti", Json::Value(42) },
    { "Nifti", Json::Value(Json::arrayValue) },
    { "ParentStudy", Json::Value(Json::objectValue) },
    { "ParentStudy", Json::Value(true) },
    { "SeriesDescription", Json::Value(3.5) },
    { "Filename", Json::Value(Json::arrayValue) },
    { "Modality", Json::Value(1) },
    { "Tags", Json::Value("SeriesNumber=5") },
    { "Tags", Json::Value(Json::arrayValue) }
  };

  for (const auto& c : cases)
  {
    SCOPED_TRACE(c.field);
    Json::Value body = MakeBody("abc");
    body[c.field] = c.value;
    EXPECT_CONVERSION_ERROR(ParseJson(body), InvalidInput, c.field);
  }
}


TEST(ImportRequest, NotAnObject)
{
  for (const char* body : { "[1, 2]", "\"Nifti\"", "42", "null", "true" })
  {
    SCOPED_TRACE(body);
    EXPECT_CONVERSION_ERROR(ParseBody(body), InvalidInput, "object");
  }
}


TEST(ImportRequest, InvalidJson)
{
  for (const char* body : { "{", "{\"Nifti\": }", "{'Nifti': 'QQ=='}", "{\"Nifti\" \"QQ==\"}",
                            "{\"Nifti\": \"QQ==\"} trailing", "\x89PNG\r\n" })
  {
    SCOPED_TRACE(body);
    EXPECT_CONVERSION_ERROR(ParseBody(body), InvalidInput, "JSON");
  }

  // Duplicated keys are ambiguous
  EXPECT_CONVERSION_ERROR(ParseBody("{\"Nifti\": \"QQ==\", \"Nifti\": \"Qg==\", \"ParentStudy\": \"x\"}"),
                          InvalidInput, "JSON");

  EXPECT_CONVERSION_ERROR(ImportRequest::Parse("", 0, 1000), InvalidInput, "empty");
}


TEST(ImportRequest, UnknownFieldGivesWarning)
{
  Json::Value body = MakeBody("abc");
  body["SeriesDescrption"] = "typo";
  body["Colour"] = true;
  const ImportRequest request = ParseJson(body);
  ASSERT_EQ(2u, request.warnings.size());
  const std::string all = request.warnings[0] + request.warnings[1];
  EXPECT_NE(std::string::npos, all.find("SeriesDescrption"));
  EXPECT_NE(std::string::npos, all.find("Colour"));
  EXPECT_EQ("", request.seriesDescription);
}


TEST(ImportRequest, Modality)
{
  Json::Value body = MakeBody("abc");
  EXPECT_EQ(OutputModality::Auto, ParseJson(body).modality);

  body["Modality"] = "MR";
  EXPECT_EQ(OutputModality::MR, ParseJson(body).modality);

  body["Modality"] = "CT";
  EXPECT_EQ(OutputModality::CT, ParseJson(body).modality);

  body["Modality"] = Json::Value();   // null: as if absent
  EXPECT_EQ(OutputModality::Auto, ParseJson(body).modality);

  for (const char* bad : { "PT", "SC", "MRI", "OT" })
  {
    SCOPED_TRACE(bad);
    body["Modality"] = bad;
    EXPECT_CONVERSION_ERROR(ParseJson(body), InvalidInput, "Modality");
  }
}


TEST(ImportRequest, TooLarge)
{
  const size_t limit = 3000;
  const std::string exact = AllBytes(limit);
  EXPECT_EQ(exact, ParseJson(MakeBody(exact), limit).nifti);

  // Line breaks do not count against the limit
  Json::Value wrapped = MakeBody(exact);
  wrapped["Nifti"] = EncodeBase64(exact, 76, "\r\n");
  EXPECT_EQ(exact, ParseJson(wrapped, limit).nifti);

  EXPECT_CONVERSION_ERROR(ParseJson(MakeBody(AllBytes(limit + 1)), limit), TooLarge, "maximum");
  EXPECT_CONVERSION_ERROR(ParseJson(MakeBody(AllBytes(limit * 10)), limit), TooLarge, "MaximumUploadSize");

  Json::Value wrappedTooLarge = MakeBody("");
  wrappedTooLarge["Nifti"] = EncodeBase64(AllBytes(limit + 2), 76, "\n");
  EXPECT_CONVERSION_ERROR(ParseJson(wrappedTooLarge, limit), TooLarge, "maximum");
}


TEST(ImportRequest, TagsAccepted)
{
  Json::Value body = MakeBody("abc");
  body["Tags"]["ProtocolName"] = "DTI 64 directions";
  body["Tags"]["0018,0015"] = "BRAIN";       // BodyPartExamined
  body["Tags"]["0020,4000"] = "derived from DWI";   // ImageComments
  body["Tags"]["SeriesNumber"] = 901;        // a JSON number for an IS
  body["Tags"]["0008,103e"] = "lower-case hex";     // SeriesDescription
  body["Tags"]["EchoTime"] = "92.5";
  body["Tags"]["Manufacturer"] = "";

  const ImportRequest request = ParseJson(body);
  std::string value;
  EXPECT_TRUE(request.tags.Lookup(value, DCM_ProtocolName));
  EXPECT_EQ("DTI 64 directions", value);
  EXPECT_TRUE(request.tags.Lookup(value, DCM_BodyPartExamined));
  EXPECT_EQ("BRAIN", value);
  EXPECT_TRUE(request.tags.Lookup(value, DCM_ImageComments));
  EXPECT_EQ("derived from DWI", value);
  EXPECT_TRUE(request.tags.Lookup(value, DCM_SeriesNumber));
  EXPECT_EQ("901", value);
  EXPECT_TRUE(request.tags.Lookup(value, DCM_SeriesDescription));
  EXPECT_EQ("lower-case hex", value);
  EXPECT_TRUE(request.tags.Lookup(value, DCM_EchoTime));
  EXPECT_EQ("92.5", value);
  EXPECT_TRUE(request.tags.Lookup(value, DCM_Manufacturer));
  EXPECT_EQ("", value);
  EXPECT_FALSE(request.tags.Lookup(value, DCM_StudyDescription));
  EXPECT_FALSE(request.tags.Lookup(value, DCM_PatientName));
}


TEST(ImportRequest, TagsUpperCaseHexForm)
{
  const ImportRequest request = ParseJson(BodyWithTag("0018,1030", "Upper"));
  std::string value;
  EXPECT_TRUE(request.tags.Lookup(value, DCM_ProtocolName));
  EXPECT_EQ("Upper", value);

  const ImportRequest request2 = ParseJson(BodyWithTag("0008,103E", "Upper"));
  EXPECT_TRUE(request2.tags.Lookup(value, DCM_SeriesDescription));
}


TEST(ImportRequest, TagsOfPatientOrStudyRefused)
{
  for (const char* name : { "PatientName", "PatientID", "0010,0020", "PatientBirthDate", "PatientSex",
                            "StudyInstanceUID", "0020,000d", "StudyDate", "StudyDescription", "AccessionNumber",
                            "StudyID", "ReferringPhysicianName", "PatientAge", "PatientWeight" })
  {
    SCOPED_TRACE(name);
    EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag(name, "X")), InvalidInput, "study");
  }
}


TEST(ImportRequest, ComputedTagsRefused)
{
  for (const char* name : { "SOPInstanceUID", "SOPClassUID", "SeriesInstanceUID", "Modality", "Rows", "Columns",
                            "PixelSpacing", "ImagePositionPatient", "ImageOrientationPatient", "RescaleSlope",
                            "RescaleIntercept", "BitsAllocated", "PixelRepresentation", "InstanceNumber",
                            "SpecificCharacterSet", "0028,0010",
                            // What the README refuses beyond the list above: UIDs, geometry, pixel description
                            "FrameOfReferenceUID", "SliceThickness", "SpacingBetweenSlices", "SliceLocation",
                            "PositionReferenceIndicator", "PlanarConfiguration", "PhotometricInterpretation",
                            "NumberOfFrames", "WindowWidth", "WindowCenter", "LossyImageCompression", "ICCProfile",
                            "FloatPixelData", "DoubleFloatPixelData", "7fe0,0010", "6000,3000", "ImageType",
                            "TemporalPositionIdentifier", "SegmentationType", "ConcatenationUID", "0020,0052" })
  {
    SCOPED_TRACE(name);
    EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag(name, "1")), InvalidInput, "computed");
  }

  // Group lengths, including those of groups the plugin writes
  for (const char* name : { "0008,0000", "0020,0000", "0028,0000", "7fe0,0000", "0010,0000" })
  {
    SCOPED_TRACE(name);
    EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag(name, "10")), InvalidInput, "group length");
  }

  // The command group
  EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag("0000,0100", "1")), InvalidInput, "public");
}


TEST(ImportRequest, TagsValuesThatBreakTheirVrRefused)
{
  // A backslash makes two values of an attribute that holds one; control
  // characters are not allowed outside ST, LT and UT
  EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag("ProtocolName", "a\\b")), InvalidInput, "at most 1 value");
  EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag("SeriesDescription", "a\\b")), InvalidInput, "at most 1 value");
  EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag("SeriesNumber", "1\\2")), InvalidInput, "at most 1 value");
  EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag("ProtocolName", "a\nb")), InvalidInput, "control character");
  EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag("SeriesDescription", "a\tb")), InvalidInput, "control character");
  EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag("ProtocolName", std::string("a\x7f"))), InvalidInput, "control");

  // Multi-valued attributes and text VRs keep what they allow
  EXPECT_NO_THROW(ParseJson(BodyWithTag("ScanningSequence", "SE\\IR")));
  EXPECT_NO_THROW(ParseJson(BodyWithTag("ImageComments", "line 1\r\nline 2\twith a tab\\backslash")));
}


TEST(ImportRequest, TagsSeriesNumberRange)
{
  EXPECT_NO_THROW(ParseJson(BodyWithTag("SeriesNumber", "2147483647")));
  EXPECT_NO_THROW(ParseJson(BodyWithTag("SeriesNumber", 0)));
  EXPECT_NO_THROW(ParseJson(BodyWithTag("SeriesNumber", " 42 ")));
  for (const Json::Value& value : { Json::Value("2147483648"), Json::Value("-1"), Json::Value(Json::Int64(4294967297LL)),
                                    Json::Value("-2147483648") })
  {
    SCOPED_TRACE(value.asString());
    EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag("SeriesNumber", value)), InvalidInput, "0 to 2147483647");
  }
}


TEST(ImportRequest, SequencesRefused)
{
  for (const char* name : { "ReferencedSeriesSequence", "SourceImageSequence", "0008,1140" })
  {
    SCOPED_TRACE(name);
    EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag(name, "")), InvalidInput, "sequence");
  }

  // A JSON array or object as the value
  Json::Value array(Json::arrayValue);
  array.append("a");
  EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag("ProtocolName", array)), InvalidInput, "ProtocolName");
  EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag("ProtocolName", Json::Value(Json::objectValue))),
                          InvalidInput, "ProtocolName");
}


TEST(ImportRequest, InvalidValueForVrRefused)
{
  const struct
  {
    const char* name;
    const char* value;
  } cases[] =
  {
    { "SeriesNumber", "abc" },          // IS
    { "SeriesNumber", "1.5" },
    { "EchoTime", "fast" },             // DS
    { "AcquisitionDate", "yesterday" }, // DA
    { "AcquisitionTime", "noon" },      // TM
    { "ScanOptions", "lower case" }     // CS
  };

  for (const auto& c : cases)
  {
    SCOPED_TRACE(std::string(c.name) + " = " + c.value);
    EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag(c.name, c.value)), InvalidInput, "not a valid value");
  }
}


TEST(ImportRequest, UnknownTagNamesRefused)
{
  // Malformed numeric forms must not be read as another tag: "0008,103g" is
  // not (0008,0103) CodingSchemeVersion, "0008,10" not (0008,0010)
  for (const char* name : { "NotAKeyword", "Series Number", "0008-103e", "gggg,eeee", "0008,103g", "0008,10",
                            "8,103e", "0008,103e,", "(0008,103e)", "" })
  {
    SCOPED_TRACE(name);
    EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag(name, "x")), InvalidInput, "keyword");
  }

  // File meta information and private tags cannot be set
  for (const char* name : { "0002,0010", "TransferSyntaxUID", "0009,0010", "0029,1010" })
  {
    SCOPED_TRACE(name);
    EXPECT_CONVERSION_ERROR(ParseJson(BodyWithTag(name, "x")), InvalidInput, "public");
  }
}


TEST(Base64, RandomWhitespaceAndInvalidCharacters)
{
  std::mt19937 generator(11);
  const char whitespace[] = { ' ', '\n', '\r', '\t' };
  for (int round = 0; round < 300; round++)
  {
    std::string data(generator() % 200, '\0');
    for (char& c : data)
    {
      c = static_cast<char>(generator() & 0xff);
    }
    const std::string encoded = EncodeBase64(data);

    // Whitespace anywhere, also inside quanta and around the padding
    std::string spaced;
    for (char c : encoded)
    {
      while (generator() % 5 == 0)
      {
        spaced += whitespace[generator() % 4];
      }
      spaced += c;
    }
    std::string decoded;
    ASSERT_TRUE(Base64::Decode(decoded, spaced.data(), spaced.data() + spaced.size())) << spaced;
    ASSERT_EQ(data, decoded);

    // One character outside the alphabet anywhere makes it invalid
    if (!encoded.empty())
    {
      std::string bad = encoded;
      bad[generator() % bad.size()] = "!*.@\"\\\x01\xff"[generator() % 8];
      EXPECT_FALSE(Base64::Decode(decoded, bad.data(), bad.data() + bad.size())) << bad;
    }
  }
}


TEST(Base64, UrlSafeAlphabet)
{
  const std::string data = "\xfb\xff\xbf\xfe";   // "+/+/" in the standard alphabet
  const std::string standard = EncodeBase64(data);
  std::string urlSafe = standard;
  for (char& c : urlSafe)
  {
    c = (c == '+') ? '-' : (c == '/') ? '_' : c;
  }
  std::string decoded;
  ASSERT_TRUE(Base64::Decode(decoded, urlSafe.data(), urlSafe.data() + urlSafe.size()));
  EXPECT_EQ(data, decoded);
}


TEST(ImportRequest, HandWrittenBodies)
{
  // Bodies as other JSON writers produce them: the result must not depend on
  // the member order, the spacing or escape sequences
  const std::string nifti = AllBytes(300);
  const std::string b64 = EncodeBase64(nifti);
  std::string escapedSlashes;   // PHP's json_encode writes "\/"
  for (char c : b64)
  {
    escapedSlashes += (c == '/') ? std::string("\\/") : std::string(1, c);
  }
  ASSERT_NE(b64, escapedSlashes);

  const std::string bodies[] =
  {
    "{\"Nifti\":\"" + b64 + "\",\"ParentStudy\":\"abc\"}",
    "{ \"ParentStudy\" : \"abc\" ,\n  \"Nifti\" :\t\"" + b64 + "\"\r\n}",
    "{\"ParentStudy\": \"abc\", \"Nifti\": \"" + escapedSlashes + "\"}",
    "{\"Extra\": {\"Nifti\": \"QUJD\"}, \"Tags\": {\"ImageComments\": \"} , \\\"Nifti\\\": [\"}, \"Nifti\": \"" +
      b64 + "\", \"ParentStudy\": \"abc\"}",
    "{\"SeriesDescription\": \"a \\\"quoted\\\" \\\\\", \"Nifti\": \"" + b64 + "\", \"ParentStudy\": \"abc\"}",
    "{\"Unknown\": [1, {\"x\": \"]}\"}, 2.5e3, null, true], \"Nifti\": \"" + b64 +
      "\", \"ParentStudy\": \"abc\"}",
    "{\"Nif\\u0074i\": \"" + b64 + "\", \"ParentStudy\": \"abc\"}"   // escaped key
  };

  for (const std::string& body : bodies)
  {
    SCOPED_TRACE(body.substr(0, 120));
    const ImportRequest request = ParseBody(body);
    EXPECT_EQ(nifti, request.nifti);
    EXPECT_EQ("abc", request.parentStudy);
  }

  // Escaped quotes inside a value do not end it
  const ImportRequest quoted = ParseBody(bodies[4]);
  EXPECT_EQ("a \"quoted\" \\", quoted.seriesDescription);

  // Nested "Nifti" keys and look-alikes inside strings are not the file
  const ImportRequest nested = ParseBody(bodies[3]);
  std::string comments;
  EXPECT_TRUE(nested.tags.Lookup(comments, DCM_ImageComments));
  EXPECT_EQ("} , \"Nifti\": [", comments);
  ASSERT_EQ(1u, nested.warnings.size());
  EXPECT_NE(std::string::npos, nested.warnings[0].find("Extra"));
}


TEST(ImportRequest, HandWrittenInvalidBodies)
{
  const std::string b64 = EncodeBase64(AllBytes(30));
  const struct
  {
    std::string body;
    const char* word;
  } cases[] =
  {
    { "{\"Nifti\": \"" + b64 + "\", \"Nifti\": \"" + b64 + "\", \"ParentStudy\": \"a\"}", "JSON" },
    { "{\"Nifti\": \"" + b64 + "\", \"ParentStudy\": \"a\"} {}", "JSON" },
    { "{\"Nifti\": \"" + b64 + "\", \"ParentStudy\": \"a\"", "JSON" },
    { "{\"Nifti\": \"" + b64 + "\" \"ParentStudy\": \"a\"}", "JSON" },
    { "{\"Nifti\": \"" + b64, "JSON" },
    { "{\"Nifti\": 12, \"ParentStudy\": \"a\"}", "Nifti" },
    { "{\"Nifti\": [\"" + b64 + "\"], \"ParentStudy\": \"a\"}", "Nifti" },
    { "{\"Nifti\": \"" + b64 + "\\u0000\", \"ParentStudy\": \"a\"}", "base64" },
    { "[{\"Nifti\": \"" + b64 + "\", \"ParentStudy\": \"a\"}]", "object" }
  };

  for (const auto& c : cases)
  {
    SCOPED_TRACE(c.body.substr(0, 100));
    EXPECT_CONVERSION_ERROR(ParseBody(c.body), InvalidInput, c.word);
  }
}


TEST(ImportRequest, CodesMustFitTheirVr)
{
  // CodeValue and CodingSchemeDesignator are SH (16), CodeMeaning LO (64)
  const std::string longValue(250, '7');
  Json::Value body = MakeBody("nifti");
  body["Units"] = Json::Value(Json::objectValue);
  body["Units"]["CodeValue"] = longValue;
  body["Units"]["CodingSchemeDesignator"] = "UCUM";
  body["Units"]["CodeMeaning"] = "m";
  EXPECT_CONVERSION_ERROR(ParseJson(body), InvalidInput, "CodeValue");

  body["Units"]["CodeValue"] = "mm";
  body["Units"]["CodingSchemeDesignator"] = "A_VERY_LONG_SCHEME";
  EXPECT_CONVERSION_ERROR(ParseJson(body), InvalidInput, "CodingSchemeDesignator");

  body["Units"]["CodingSchemeDesignator"] = "UCUM";
  body["Units"]["CodeMeaning"] = std::string(65, 'm');
  EXPECT_CONVERSION_ERROR(ParseJson(body), InvalidInput, "CodeMeaning");

  body["Units"]["CodeMeaning"] = "a\\b";
  EXPECT_CONVERSION_ERROR(ParseJson(body), InvalidInput, "backslash");

  body["Units"]["CodeMeaning"] = "millimetre";
  EXPECT_NO_THROW(ParseJson(body));

  // The UCUM shorthand and "Quantity"
  body["Units"] = longValue;
  EXPECT_CONVERSION_ERROR(ParseJson(body), InvalidInput, "Units");
  body["Units"] = "mm2/s";
  body["Quantity"] = Json::Value(Json::objectValue);
  body["Quantity"]["CodeValue"] = "1\n2";
  body["Quantity"]["CodingSchemeDesignator"] = "99X";
  body["Quantity"]["CodeMeaning"] = "x";
  EXPECT_CONVERSION_ERROR(ParseJson(body), InvalidInput, "Quantity");

  // A segment's name: one LO value (a long one is cut, as before)
  Json::Value labels = MakeBody("nifti");
  labels["Labels"]["1"]["Name"] = "left\\right";
  EXPECT_CONVERSION_ERROR(ParseJson(labels), InvalidInput, "Labels");
  labels["Labels"]["1"]["Name"] = std::string(100, 'n');
  EXPECT_NO_THROW(ParseJson(labels));
}
