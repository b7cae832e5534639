#include "Plan/SeriesOptionsBuilder.h"
#include "Request/ImportRequest.h"
#include "RequestTestHelpers.h"
#include "TestHelpers.h"

#include <json/value.h>
#include <json/writer.h>

#include <gtest/gtest.h>

#include <limits>

using namespace NiftiToDicom;
using namespace NiftiTest;

namespace
{
  // NIfTI codes, from the NIfTI-1 specification
  const int DT_INT16 = 4;
  const int DT_RGB24 = 128;
  const int INTENT_LABEL = 1002;

  NiftiHeader MakeHeader(int datatype = DT_INT16, int64_t timePoints = 1, int intentCode = 0)
  {
    NiftiHeader header;
    header.dim[0] = (timePoints > 1) ? 4 : 3;
    header.dim[1] = 4;
    header.dim[2] = 4;
    header.dim[3] = 3;
    header.dim[4] = timePoints;
    header.datatype = datatype;
    header.bytesPerVoxel = (datatype == DT_RGB24) ? 3 : 2;
    header.intentCode = intentCode;
    return header;
  }

  ImportContext ParentWith(std::initializer_list<const char*> modalities)
  {
    ImportContext context;
    for (const char* modality : modalities)
    {
      context.parentModalities.insert(modality);
    }
    return context;
  }

  SeriesOptionsBuilder Build(const Json::Value& body, const ImportContext& context = ImportContext(),
                             const NiftiHeader& header = MakeHeader())
  {
    return SeriesOptionsBuilder(ParseRequestBody(body), header, context);
  }

  bool HasWarningWith(const std::vector<std::string>& warnings, const std::string& text)
  {
    for (const std::string& warning : warnings)
    {
      if (warning.find(text) != std::string::npos)
      {
        return true;
      }
    }
    return false;
  }
}


TEST(SeriesOptionsBuilder, ModalityFollowsTheParentStudy)
{
  EXPECT_EQ(Modality::CT, Build(MakeUploadRequestBody(), ParentWith({ "CT" })).GetOptions().modality);
  EXPECT_EQ(Modality::CT, Build(MakeUploadRequestBody(), ParentWith({ "CT", "SR" })).GetOptions().modality);
  EXPECT_EQ(Modality::MR, Build(MakeUploadRequestBody(), ParentWith({ "MR" })).GetOptions().modality);
  EXPECT_EQ(Modality::MR, Build(MakeUploadRequestBody(), ParentWith({ "CT", "MR" })).GetOptions().modality);
  EXPECT_EQ(Modality::MR, Build(MakeUploadRequestBody(), ParentWith({ "PT" })).GetOptions().modality);
  EXPECT_EQ(Modality::MR, Build(MakeUploadRequestBody(), ParentWith({})).GetOptions().modality);

  // A classic series is an Image of that modality
  EXPECT_EQ(IodType::CtImage, Build(MakeUploadRequestBody(), ParentWith({ "CT" })).GetOptions().iod);
  EXPECT_EQ(IodType::MrImage, Build(MakeUploadRequestBody(), ParentWith({ "CT", "MR" })).GetOptions().iod);
}


TEST(SeriesOptionsBuilder, ExplicitModalityWins)
{
  Json::Value body = MakeUploadRequestBody();
  body["Modality"] = "MR";
  ImportContext context = ParentWith({ "CT" });
  context.hasReference = true;
  context.referenceModality = "CT";
  EXPECT_EQ(Modality::MR, Build(body, context).GetOptions().modality);
  EXPECT_EQ(IodType::MrImage, Build(body, context).GetOptions().iod);

  body["Modality"] = "CT";
  context = ParentWith({ "MR" });
  context.hasReference = true;
  context.referenceModality = "MR";
  EXPECT_EQ(Modality::CT, Build(body, context).GetOptions().modality);
  EXPECT_EQ(IodType::CtImage, Build(body, context).GetOptions().iod);
}


TEST(SeriesOptionsBuilder, ReferenceSeriesOverridesAutoOnly)
{
  ImportContext context = ParentWith({ "MR" });
  context.hasReference = true;
  context.referenceModality = "CT";
  context.reference.seriesInstanceUid = "1.2.3";
  const SeriesOptionsBuilder builder = Build(MakeUploadRequestBody(), context);
  EXPECT_EQ(Modality::CT, builder.GetOptions().modality);
  EXPECT_EQ(IodType::CtImage, builder.GetOptions().iod);
  EXPECT_TRUE(builder.GetOptions().hasReference);
  EXPECT_EQ("1.2.3", builder.GetOptions().reference.seriesInstanceUid);

  // A reference of another modality leaves the parent study's choice
  context = ParentWith({ "CT" });
  context.hasReference = true;
  context.referenceModality = "PT";
  EXPECT_EQ(Modality::CT, Build(MakeUploadRequestBody(), context).GetOptions().modality);

  // Without a reference its modality means nothing
  context = ParentWith({ "MR" });
  context.referenceModality = "CT";
  EXPECT_EQ(Modality::MR, Build(MakeUploadRequestBody(), context).GetOptions().modality);
  EXPECT_FALSE(Build(MakeUploadRequestBody(), context).GetOptions().hasReference);

  EXPECT_EQ(Modality::CT, SeriesOptionsBuilder::ChooseModality(OutputModality::Auto, { "MR" }, "CT"));
  EXPECT_EQ(Modality::MR, SeriesOptionsBuilder::ChooseModality(OutputModality::Auto, { "CT" }, "MR"));
  EXPECT_EQ(Modality::MR, SeriesOptionsBuilder::ChooseModality(OutputModality::MR, { "CT" }, "CT"));
}


TEST(SeriesOptionsBuilder, IodType)
{
  // Auto: a label map is a Segmentation
  EXPECT_EQ(IodType::Segmentation,
            Build(MakeUploadRequestBody(), ImportContext(), MakeHeader(DT_INT16, 1, INTENT_LABEL)).GetOptions().iod);
  EXPECT_EQ(IodType::MrImage, Build(MakeUploadRequestBody(), ImportContext(), MakeHeader(DT_INT16)).GetOptions().iod);

  // RGB24: the colour types
  EXPECT_EQ(IodType::EnhancedMrColorImage,
            Build(MakeUploadRequestBody(), ImportContext(), MakeHeader(DT_RGB24)).GetOptions().iod);
  Json::Value body = MakeUploadRequestBody();
  body["Type"] = "SecondaryCapture";
  const SeriesOptionsBuilder capture = Build(body, ImportContext(), MakeHeader(DT_RGB24));
  EXPECT_EQ(IodType::TrueColorSecondaryCapture, capture.GetOptions().iod);
  EXPECT_TRUE(HasWarningWith(capture.GetWarnings(), "Secondary Capture"));

  // A Secondary Capture is for colours only
  EXPECT_CONVERSION_ERROR(Build(body, ImportContext(), MakeHeader(DT_INT16)), InvalidInput, "SecondaryCapture");

  body["Type"] = "ParametricMap";
  EXPECT_EQ(IodType::ParametricMap, Build(body).GetOptions().iod);
  EXPECT_CONVERSION_ERROR(Build(body, ImportContext(), MakeHeader(DT_RGB24)), InvalidInput, "RGB");

  body["Type"] = "EnhancedMR";
  EXPECT_EQ(IodType::EnhancedMrImage, Build(body, ParentWith({ "CT" })).GetOptions().iod);

  body["Type"] = "Classic";
  EXPECT_EQ(IodType::MrImage, Build(body, ImportContext(), MakeHeader(DT_INT16, 1, INTENT_LABEL)).GetOptions().iod);
}


TEST(SeriesOptionsBuilder, OutputFieldsAndTheirWarnings)
{
  Json::Value body = MakeUploadRequestBody();
  body["Labels"] = Json::Value(Json::objectValue);
  body["Labels"]["1"] = Json::Value(Json::objectValue);
  body["Labels"]["1"]["Name"] = "Liver";
  const SeriesOptionsBuilder classic = Build(body);
  EXPECT_EQ(IodType::MrImage, classic.GetOptions().iod);
  EXPECT_TRUE(HasWarningWith(classic.GetWarnings(), "\"Labels\" only applies"));

  const SeriesOptionsBuilder segmentation = Build(body, ImportContext(), MakeHeader(DT_INT16, 1, INTENT_LABEL));
  EXPECT_TRUE(segmentation.GetWarnings().empty());
  ASSERT_EQ(1u, segmentation.GetOptions().labels.size());
  EXPECT_EQ("Liver", segmentation.GetOptions().labels.at(1).name);
}


TEST(SeriesOptionsBuilder, SeriesNumber)
{
  // None in "Tags": the caller reserves one
  ImportContext context;
  context.usedSeriesNumbers = { 1, 2, 3 };
  SeriesOptionsBuilder reserved = Build(MakeUploadRequestBody(), context);
  EXPECT_FALSE(reserved.HasSeriesNumber());
  reserved.SetSeriesNumber(4);
  EXPECT_TRUE(reserved.HasSeriesNumber());
  EXPECT_EQ(4, reserved.GetOptions().seriesNumber);
  EXPECT_TRUE(reserved.GetWarnings().empty());

  // From "Tags", free
  Json::Value body = MakeUploadRequestBody();
  body["Tags"] = Json::Value(Json::objectValue);
  body["Tags"]["SeriesNumber"] = "7";
  const SeriesOptionsBuilder free = Build(body, context);
  EXPECT_TRUE(free.HasSeriesNumber());
  EXPECT_EQ(7, free.GetOptions().seriesNumber);
  EXPECT_TRUE(free.GetWarnings().empty());

  // From "Tags", already used: kept, with a warning
  body["Tags"]["SeriesNumber"] = "2";
  const SeriesOptionsBuilder used = Build(body, context);
  EXPECT_TRUE(used.HasSeriesNumber());
  EXPECT_EQ(2, used.GetOptions().seriesNumber);
  ASSERT_EQ(1u, used.GetWarnings().size());
  EXPECT_EQ("SeriesNumber 2 from \"Tags\" is already used by another series of the study", used.GetWarnings()[0]);
}


TEST(SeriesOptionsBuilder, ChooseFreeSeriesNumber)
{
  const int maximum = std::numeric_limits<int>::max();
  EXPECT_EQ(1, SeriesOptionsBuilder::ChooseFreeSeriesNumber({}));
  EXPECT_EQ(4, SeriesOptionsBuilder::ChooseFreeSeriesNumber({ 1, 2, 3 }));
  EXPECT_EQ(1, SeriesOptionsBuilder::ChooseFreeSeriesNumber({ -5, 0 }));
  EXPECT_EQ(maximum, SeriesOptionsBuilder::ChooseFreeSeriesNumber({ 1, maximum - 1 }));

  // The highest is taken: never max + 1 (which overflowed to a negative
  // number, then to 1, a duplicate), the smallest free one instead
  EXPECT_EQ(1, SeriesOptionsBuilder::ChooseFreeSeriesNumber({ maximum }));
  EXPECT_EQ(3, SeriesOptionsBuilder::ChooseFreeSeriesNumber({ 0, 1, 2, 5, maximum }));
  EXPECT_EQ(2, SeriesOptionsBuilder::ChooseFreeSeriesNumber({ -3, 1, maximum - 1, maximum }));
}


TEST(SeriesOptionsBuilder, RequestFieldsCarried)
{
  Json::Value body = MakeUploadRequestBody();
  body["SeriesDescription"] = "T1 brain";
  body["Filename"] = "t1.nii.gz";
  body["Tags"] = Json::Value(Json::objectValue);
  body["Tags"]["ProtocolName"] = "Research";
  body["Sidecar"] = Json::Value(Json::objectValue);
  body["Sidecar"]["RepetitionTime"] = 2.5;
  body["Bval"] = "0 1000";
  body["Bvec"] = "1 0\n0 1\n0 0";

  ImportContext context;
  context.seriesInstanceUid = "1.2.826.0.1.3680043.2.1";
  SeriesOptionsBuilder builder = Build(body, context, MakeHeader(DT_INT16, 2));

  SeriesOptions options = builder.TakeOptions();
  EXPECT_EQ("T1 brain", options.seriesDescription);
  EXPECT_EQ("t1.nii.gz", options.sourceFilename);
  EXPECT_EQ("1.2.826.0.1.3680043.2.1", options.seriesInstanceUid);

  std::string protocol;
  EXPECT_TRUE(options.tags.Lookup(protocol, DcmTagKey(0x0018, 0x1030)));
  EXPECT_EQ("Research", protocol);

  double repetitionTime = 0;
  ASSERT_TRUE(options.sidecar.GetRepetitionTimeMs(repetitionTime));
  EXPECT_DOUBLE_EQ(2500, repetitionTime);

  ASSERT_TRUE(options.diffusion != nullptr);
  EXPECT_EQ(2, options.diffusion->GetVolumes());
  EXPECT_DOUBLE_EQ(1000, options.diffusion->GetBValue(1));

  // A table of another length than the volume
  EXPECT_CONVERSION_ERROR(Build(body, context, MakeHeader(DT_INT16, 3)), InvalidInput, "");
}


// UIH's b = 0 volumes carry b = 1.25 without direction: written as b = 0,
// and the answer says which volumes
TEST(SeriesOptionsBuilder, ResidualBValuesAreNamedInAWarning)
{
  Json::Value body = MakeUploadRequestBody();
  body["Bval"] = "1.25 1000 0";
  body["Bvec"] = "0 1 0\n0 0 0\n0 0 0\n";
  const SeriesOptionsBuilder builder = Build(body, ImportContext(), MakeHeader(DT_INT16, 3));
  ASSERT_TRUE(builder.GetOptions().diffusion);
  EXPECT_DOUBLE_EQ(0.0, builder.GetOptions().diffusion->GetWrittenBValue(0));
  EXPECT_DOUBLE_EQ(1000.0, builder.GetOptions().diffusion->GetWrittenBValue(1));
  EXPECT_TRUE(HasWarningWith(builder.GetWarnings(), "\"Bval\": volume(s) 1 have a residual b-value"));

  body["Bval"] = "0 1000 0";
  EXPECT_FALSE(HasWarningWith(Build(body, ImportContext(), MakeHeader(DT_INT16, 3)).GetWarnings(), "residual"));
}
