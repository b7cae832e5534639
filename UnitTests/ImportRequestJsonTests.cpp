#include "Request/ImportRequest.h"
#include "RequestTestHelpers.h"
#include "TestHelpers.h"

#include <dcmtk/dcmdata/dctagkey.h>

#include <json/value.h>
#include <json/writer.h>

#include <gtest/gtest.h>

using namespace NiftiToDicom;
using namespace NiftiTest;

// The request as the import job keeps it: parsed once (the sidecar too), and
// saved with the job


TEST(ImportRequest, SidecarParsedOnce)
{
  Json::Value body = MakeUploadRequestBody();
  body["Sidecar"] = Json::Value(Json::objectValue);
  body["Sidecar"]["EchoTime"] = 0.03;
  const ImportRequest request = ParseRequestBody(body);
  double echoTime = 0;
  ASSERT_TRUE(request.sidecar.GetEchoTimeMs(echoTime));
  EXPECT_DOUBLE_EQ(30, echoTime);
  EXPECT_EQ(body["Sidecar"], request.sidecarJson);

  body["Sidecar"]["EchoTime"] = "long";
  EXPECT_CONVERSION_ERROR(ParseRequestBody(body), InvalidInput, "EchoTime");

  // An upload ID is read by the plugin, which then calls SetSidecar()
  body["Sidecar"] = "0123456789abcdef0123456789abcdef";
  const ImportRequest upload = ParseRequestBody(body);
  EXPECT_EQ("0123456789abcdef0123456789abcdef", upload.sidecarUpload);
  EXPECT_TRUE(upload.sidecarJson.isNull());
}


TEST(ImportRequest, JsonRoundTrip)
{
  Json::Value body(Json::objectValue);
  body["Path"] = "/data/t1.nii.gz";
  body["ParentStudy"] = "study";
  body["SeriesDescription"] = "T1";
  body["Filename"] = "t1.nii.gz";
  body["Modality"] = "CT";
  body["Tags"] = Json::Value(Json::objectValue);
  body["Tags"]["SeriesNumber"] = "12";
  body["Sidecar"] = Json::Value(Json::objectValue);
  body["Sidecar"]["RepetitionTime"] = 2.5;
  body["Type"] = "ParametricMap";
  body["Units"] = Json::Value(Json::objectValue);
  body["Units"]["CodeValue"] = "ms";
  body["Units"]["CodingSchemeDesignator"] = "UCUM";
  body["Units"]["CodeMeaning"] = "millisecond";
  body["DoublePrecision"] = true;
  body["ReferenceSeries"] = "ref";
  body["Bval"] = "0 1000";
  body["Bvec"] = "1 0\n0 1\n0 0";
  body["SendTo"] = Json::Value(Json::objectValue);
  body["SendTo"]["Modalities"].append("PACS");

  const ImportRequest request = ParseRequestBody(body);
  const Json::Value saved = request.ToJson();

  // The keys of the saved jobs of earlier versions
  EXPECT_EQ("Path", saved["Source"].asString());
  EXPECT_EQ("/data/t1.nii.gz", saved["Path"].asString());
  EXPECT_EQ("study", saved["ParentStudy"].asString());
  EXPECT_EQ("CT", saved["Modality"].asString());
  EXPECT_EQ(body["Tags"], saved["Tags"]);
  EXPECT_EQ(body["Sidecar"], saved["Sidecar"]);
  EXPECT_EQ("ParametricMap", saved["Output"]["Type"].asString());
  EXPECT_TRUE(saved["Output"]["DoublePrecision"].asBool());
  EXPECT_EQ("PACS", saved["SendTo"]["Modalities"][0].asString());

  const ImportRequest reloaded = ImportRequest::FromJson(saved);
  EXPECT_EQ(saved, reloaded.ToJson());
  EXPECT_EQ(NiftiSource::Path, reloaded.source);
  EXPECT_EQ(OutputModality::CT, reloaded.modality);
  EXPECT_EQ(OutputRequest::Type::ParametricMap, reloaded.output.type);
  EXPECT_TRUE(reloaded.output.doublePrecision);
  EXPECT_EQ("ms", reloaded.output.units.value);
  EXPECT_EQ("T1", reloaded.seriesDescription);
  EXPECT_EQ("t1.nii.gz", reloaded.filename);
  EXPECT_EQ("ref", reloaded.referenceSeries);
  EXPECT_EQ("0 1000", reloaded.bval);
  EXPECT_EQ("1 0\n0 1\n0 0", reloaded.bvec);
  ASSERT_EQ(1u, reloaded.sendTo.modalities.size());
  std::string number;
  EXPECT_TRUE(reloaded.tags.Lookup(number, DcmTagKey(0x0020, 0x0011)));
  EXPECT_EQ("12", number);
  double repetitionTime = 0;
  EXPECT_TRUE(reloaded.sidecar.GetRepetitionTimeMs(repetitionTime));
}


TEST(ImportRequest, ReloadsSavedJobsOfEarlierVersions)
{
  // "Parameters" as written by ImportParameters::ToJson() before the request
  // flowed on whole (the job's own keys included)
  Json::Value saved(Json::objectValue);
  saved["Source"] = "Upload";
  saved["Upload"] = "0123456789abcdef0123456789abcdef";
  saved["Path"] = "";
  saved["ParentStudy"] = "6b9e19d9-62094390-5f9ddb01-4a191ae7-9766b715";
  saved["SeriesDescription"] = "";
  saved["Filename"] = "restart.nii";
  saved["Modality"] = "";
  saved["Tags"] = Json::Value();
  saved["Sidecar"] = Json::Value();
  saved["SendTo"] = Json::Value(Json::objectValue);
  saved["SendTo"]["Modalities"] = Json::Value(Json::arrayValue);
  saved["SendTo"]["Peers"] = Json::Value(Json::arrayValue);
  saved["Output"] = Json::Value(Json::objectValue);
  saved["ReferenceSeries"] = "";
  saved["Bval"] = "";
  saved["Bvec"] = "";
  saved["SeriesInstanceUID"] = "1.2.3";
  saved["DeleteUploadOnSuccess"] = true;

  const ImportRequest request = ImportRequest::FromJson(saved);
  EXPECT_EQ(NiftiSource::Upload, request.source);
  EXPECT_EQ("0123456789abcdef0123456789abcdef", request.upload);
  EXPECT_EQ("restart.nii", request.filename);
  EXPECT_EQ(OutputModality::Auto, request.modality);
  EXPECT_EQ(OutputRequest::Type::Auto, request.output.type);
  EXPECT_TRUE(request.sendTo.IsEmpty());
  EXPECT_TRUE(request.sidecar.IsEmpty());

  Json::Value rewritten = request.ToJson();
  // Added since (issue 9): the private copy of the sidecar, on by default
  EXPECT_EQ(Json::Value(true), rewritten["KeepSidecar"]);
  EXPECT_EQ(Json::Value(""), rewritten["SidecarText"]);
  rewritten.removeMember("KeepSidecar");
  rewritten.removeMember("SidecarText");
  rewritten["SeriesInstanceUID"] = "1.2.3";
  rewritten["DeleteUploadOnSuccess"] = true;
  EXPECT_EQ(saved, rewritten);

  EXPECT_CONVERSION_ERROR(ImportRequest::FromJson(Json::Value("text")), InvalidInput, "JSON object");
}


// The sidecar is kept as the client wrote it: the bytes of the object in the
// request body, not JsonCpp's rewriting of them
TEST(ImportRequest, SidecarTextIsVerbatim)
{
  const std::string sidecar = "{\n\t\"EchoTime\":0.03 ,  \"SliceTiming\": [0,\n 0.5],\"Zeta\":\"\\u00e9\"}";
  const std::string body = "{\"Upload\": \"0123456789abcdef0123456789abcdef\", \"ParentStudy\": \"s\", "
    "\"Sidecar\": " + sidecar + ", \"Type\": \"Classic\"}";
  const ImportRequest request = ImportRequest::Parse(body.data(), body.size(), 1 << 20);
  EXPECT_EQ(sidecar, request.sidecarText);
  EXPECT_EQ(sidecar, request.sidecar.GetVerbatim());
  EXPECT_TRUE(request.keepSidecar);

  // Also when the NIfTI is decoded in place from the body
  const std::string inline_ = "{\"Nifti\": \"AAAA\", \"ParentStudy\": \"s\", \"Sidecar\": " + sidecar + "}";
  const ImportRequest decoded = ImportRequest::Parse(inline_.data(), inline_.size(), 1 << 20);
  EXPECT_EQ(sidecar, decoded.sidecar.GetVerbatim());

  // Saved with the job, and reloaded
  const ImportRequest reloaded = ImportRequest::FromJson(request.ToJson());
  EXPECT_EQ(sidecar, reloaded.sidecar.GetVerbatim());
  EXPECT_TRUE(reloaded.keepSidecar);
}


TEST(ImportRequest, KeepSidecar)
{
  Json::Value body = MakeUploadRequestBody();
  body["Sidecar"] = Json::Value(Json::objectValue);
  body["Sidecar"]["SliceTiming"] = Json::Value(Json::arrayValue);
  body["Sidecar"]["SliceTiming"].append(0.5);
  body["KeepSidecar"] = false;
  const ImportRequest off = ParseRequestBody(body);
  EXPECT_FALSE(off.keepSidecar);
  EXPECT_EQ("", off.sidecar.GetVerbatim());
  const ImportRequest reloaded = ImportRequest::FromJson(off.ToJson());
  EXPECT_FALSE(reloaded.keepSidecar);
  EXPECT_EQ("", reloaded.sidecar.GetVerbatim());

  // The configuration turns it off whatever the request says
  body["KeepSidecar"] = true;
  ImportRequest on = ParseRequestBody(body);
  EXPECT_NE("", on.sidecar.GetVerbatim());
  on.ApplyKeepSidecarOption(true);
  EXPECT_NE("", on.sidecar.GetVerbatim());
  on.ApplyKeepSidecarOption(false);
  EXPECT_FALSE(on.keepSidecar);
  EXPECT_EQ("", on.sidecar.GetVerbatim());

  body["KeepSidecar"] = "no";
  EXPECT_CONVERSION_ERROR(ParseRequestBody(body), InvalidInput, "\"KeepSidecar\" must be true or false");
}
