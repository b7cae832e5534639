// "Labels" and "SegmentationType" in the body of POST /nifti/import: the
// forms a request may give, the upload IDs the plugin resolves, and what a
// saved job keeps.

#include "RequestTestHelpers.h"
#include "TestHelpers.h"

#include <gtest/gtest.h>

using namespace NiftiToDicom;
using namespace NiftiTest;

TEST(SegmentationRequest, SegmentationType)
{
  Json::Value body = MakeUploadRequestBody();
  EXPECT_EQ(SegmentationKind::Auto, ParseRequestBody(body).output.segmentationKind);
  const std::pair<const char*, SegmentationKind> kinds[] = {
    { "LabelMap", SegmentationKind::LabelMap }, { "Masks", SegmentationKind::Masks },
    { "Fractional", SegmentationKind::Fractional }, { "Auto", SegmentationKind::Auto } };
  for (const auto& kind : kinds)
  {
    body["SegmentationType"] = kind.first;
    const ImportRequest request = ParseRequestBody(body);
    EXPECT_EQ(kind.second, request.output.segmentationKind) << kind.first;
    EXPECT_TRUE(request.warnings.empty()) << "a known field";

    // A saved job reads it again
    EXPECT_EQ(kind.second, ImportRequest::FromJson(request.ToJson()).output.segmentationKind) << kind.first;
  }
  body["SegmentationType"] = "fractional";
  EXPECT_CONVERSION_ERROR(ParseRequestBody(body), InvalidInput, "\"Fractional\"");
  body["SegmentationType"] = 2;
  EXPECT_CONVERSION_ERROR(ParseRequestBody(body), InvalidInput, "SegmentationType");
}


TEST(SegmentationRequest, LabelTablesInTheRequest)
{
  Json::Value body = MakeUploadRequestBody();
  body["Labels"] = "index\tname\tcolor\n1\tLiver\t#dd8265\n";
  ImportRequest request = ParseRequestBody(body);
  ASSERT_EQ(1u, request.output.labels.size());
  EXPECT_EQ("Liver", request.output.labels.at(1).name);
  EXPECT_TRUE(request.output.labelsUpload.empty());
  EXPECT_EQ("Liver", ImportRequest::FromJson(request.ToJson()).output.labels.at(1).name);

  body["Labels"] = "FreeSurfer";
  request = ParseRequestBody(body);
  EXPECT_EQ("Left-Hippocampus", request.output.labels.at(17).name);
  EXPECT_EQ("5366008", ImportRequest::FromJson(request.ToJson()).output.labels.at(17).type.value);

  // An upload ID: read by the plugin, which keeps the text for the saved job
  body["Labels"] = "00112233445566778899aabbccddeeff";
  request = ParseRequestBody(body);
  EXPECT_TRUE(request.output.labels.empty());
  EXPECT_EQ("00112233445566778899aabbccddeeff", request.output.labelsUpload);
  request.output.SetLabelText("1 Tumour 255 0 0 0\n");
  EXPECT_TRUE(request.output.labelsUpload.empty());
  EXPECT_EQ("Tumour", request.output.labels.at(1).name);

  body["Labels"] = "1 Tumour 255 0 0 0\n2 Oedema\n";
  EXPECT_CONVERSION_ERROR(ParseRequestBody(body), InvalidInput, "line 2");
}
