// What a BIDS sidecar becomes in the instances: the acquisition attributes,
// the scanner as Contributing Equipment, the private copy; and the Type 2
// patient/study attributes a parent lacks. For the classic IOD and, through
// the shared module functions, the multi-frame ones.

#include "Conversion/SeriesConverter.h"
#include "Dicom/PrivateSidecar.h"
#include "Metadata/ParentStudyTags.h"
#include "Nifti/NiftiVolume.h"
#include "IodTestChecks.h"
#include "IodTestVolumes.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcostrmb.h>

#include <json/reader.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>

using namespace NiftiToDicom;
using namespace NiftiTest;
using namespace IodTest;

namespace
{
  const char* const SIDECAR =
    "{\n\t\"Manufacturer\": \"Siemens\",\n\t\"ManufacturersModelName\": \"Prisma_fit\",\n"
    "\t\"DeviceSerialNumber\": \"67060\",\n\t\"StationName\": \"MRC35131\",\n\t\"EchoTime\": 0.035,\n"
    "\t\"AcquisitionTime\": \"14:13:5.990000\",\n\t\"BodyPart\": \"BRAIN\",\n\t\"SAR\": 0.0379908,\n"
    "\t\"ProtocolName\": \"Rest_fMRI_AP\",\n\t\"SliceTiming\": [0, 0.6775]\n}";

  BidsSidecar MakeSidecar(bool keep)
  {
    Json::CharReaderBuilder builder;
    std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
    Json::Value json;
    std::string errors;
    const std::string text(SIDECAR);
    EXPECT_TRUE(reader->parse(text.data(), text.data() + text.size(), &json, &errors)) << errors;
    BidsSidecar sidecar = BidsSidecar::Parse(json);
    if (keep)
    {
      sidecar.SetVerbatim(text);
    }
    return sidecar;
  }

  std::string GetPrivateCopy(DcmItem& d)
  {
    const Uint8* bytes = nullptr;
    unsigned long count = 0;
    if (d.findAndGetUint8Array(DcmTagKey(PrivateSidecar::GROUP, PrivateSidecar::SIDECAR_ELEMENT), bytes,
                               &count).bad() || bytes == nullptr)
    {
      return "<absent>";
    }
    return std::string(reinterpret_cast<const char*>(bytes), count);
  }

  // What the element holds: the text, and a space to an even length
  std::string Padded(const std::string& text)
  {
    return text.size() % 2 == 0 ? text : text + " ";
  }

  void CheckEquipment(DcmDataset& d)
  {
    // General Equipment: this plugin
    EXPECT_EQ("Orthanc NIfTI-to-DICOM", GetString(d, DCM_Manufacturer));
    EXPECT_EQ("nifti-to-dicom", GetString(d, DCM_ManufacturerModelName));
    EXPECT_NE("1", GetString(d, DCM_DeviceSerialNumber));
    EXPECT_EQ("<absent>", GetString(d, DCM_StationName));

    // The scanner, then the plugin
    ASSERT_EQ(2u, CountItems(d, DCM_ContributingEquipmentSequence));
    DcmItem* scanner = GetItem(d, DCM_ContributingEquipmentSequence, 0);
    DcmItem* plugin = GetItem(d, DCM_ContributingEquipmentSequence, 1);
    ASSERT_TRUE(scanner != nullptr && plugin != nullptr);
    DcmItem* purpose = GetItem(*scanner, DCM_PurposeOfReferenceCodeSequence);
    ASSERT_TRUE(purpose != nullptr);
    EXPECT_EQ("109101", GetString(*purpose, DCM_CodeValue));
    EXPECT_EQ("DCM", GetString(*purpose, DCM_CodingSchemeDesignator));
    EXPECT_EQ("Acquisition Equipment", GetString(*purpose, DCM_CodeMeaning));
    EXPECT_EQ("Siemens", GetString(*scanner, DCM_Manufacturer));
    // As written: with a leading space (LO padding), which dcm2niix does not take for a vendor
    DcmElement* manufacturer = nullptr;
    ASSERT_TRUE(scanner->findAndGetElement(DCM_Manufacturer, manufacturer).good());
    OFString raw;
    ASSERT_TRUE(manufacturer->getOFStringArray(raw, OFFalse).good());
    EXPECT_EQ(" Siemens", std::string(raw.c_str()));
    EXPECT_EQ("Prisma_fit", GetString(*scanner, DCM_ManufacturerModelName));
    EXPECT_EQ("67060", GetString(*scanner, DCM_DeviceSerialNumber));
    EXPECT_EQ("MRC35131", GetString(*scanner, DCM_StationName));
    purpose = GetItem(*plugin, DCM_PurposeOfReferenceCodeSequence);
    ASSERT_TRUE(purpose != nullptr);
    EXPECT_EQ("109102", GetString(*purpose, DCM_CodeValue));
    EXPECT_EQ("Orthanc NIfTI-to-DICOM", GetString(*plugin, DCM_Manufacturer));
  }
}


TEST(SidecarInInstances, ClassicMr)
{
  SeriesOptions options = Options(IodType::MrImage);
  options.sidecar = MakeSidecar(true);
  std::unique_ptr<Series> series = Convert(MakeInt16Nifti(1), std::move(options));
  ASSERT_TRUE(series != nullptr);
  DcmDataset& d = series->sink.Get(0);

  CheckEquipment(d);
  EXPECT_EQ("35", GetString(d, DCM_EchoTime));
  EXPECT_EQ("BRAIN", GetString(d, DCM_BodyPartExamined));
  EXPECT_EQ("0.0379908", GetString(d, DCM_SAR));
  EXPECT_EQ("Rest_fMRI_AP", GetString(d, DCM_ProtocolName));
  EXPECT_EQ("141305.990000", GetString(d, DCM_AcquisitionTime));
  // dcm2niix's sidecar has no date: the parent study's (MR_small: 20040826)
  EXPECT_EQ("20040826", GetString(d, DCM_AcquisitionDate));
  EXPECT_EQ(GetString(d, DCM_StudyDate), GetString(d, DCM_AcquisitionDate));

  EXPECT_EQ(Padded(SIDECAR), GetPrivateCopy(d));
  DcmElement* element = nullptr;
  ASSERT_TRUE(d.findAndGetElement(DcmTagKey(PrivateSidecar::GROUP, PrivateSidecar::SIDECAR_ELEMENT), element).good());
  EXPECT_EQ(EVR_OB, element->getTag().getEVR());
  EXPECT_EQ("NiftiToDicom", GetString(d, DcmTagKey(PrivateSidecar::GROUP, PrivateSidecar::CREATOR_ELEMENT)));
}


TEST(SidecarInInstances, NotKept)
{
  SeriesOptions options = Options(IodType::MrImage);
  options.sidecar = MakeSidecar(false);
  std::unique_ptr<Series> series = Convert(MakeInt16Nifti(1), std::move(options));
  ASSERT_TRUE(series != nullptr);
  DcmDataset& d = series->sink.Get(0);
  EXPECT_EQ("<absent>", GetPrivateCopy(d));
  EXPECT_EQ("<absent>", GetString(d, DcmTagKey(PrivateSidecar::GROUP, PrivateSidecar::CREATOR_ELEMENT)));
  CheckEquipment(d);
}


TEST(SidecarInInstances, EveryMultiFrameIodGetsTheEquipmentAndTheCopy)
{
  for (IodType iod : { IodType::EnhancedMrImage, IodType::ParametricMap })
  {
    SeriesOptions options = Options(iod);
    options.sidecar = MakeSidecar(true);
    std::unique_ptr<Series> series = Convert(iod == IodType::ParametricMap ?
                                             MakeFloatNifti(MakeFloat32Values(1), 16, 1) : MakeInt16Nifti(1),
                                             std::move(options));
    ASSERT_TRUE(series != nullptr);
    DcmDataset& d = series->sink.Get(0);
    CheckEquipment(d);
    EXPECT_EQ(NIFTI_TO_DICOM_VERSION, GetString(d, DCM_DeviceSerialNumber));   // Type 1 there
    EXPECT_EQ(Padded(SIDECAR), GetPrivateCopy(d));
  }
}


TEST(SidecarInInstances, Type2PatientAndStudyAttributesMissingFromTheParent)
{
  // A parent with a StudyInstanceUID and a name only
  DcmFileFormat parentFile;
  DcmDataset& p = *parentFile.getDataset();
  ASSERT_TRUE(p.putAndInsertString(DCM_StudyInstanceUID, "1.2.3.4").good());
  ASSERT_TRUE(p.putAndInsertString(DCM_PatientName, "Doe^Jane").good());
  ASSERT_TRUE(p.putAndInsertString(DCM_StudyDate, "***").good());   // as UIH writes it: kept as it is
  std::string bytes(4096, '\0');
  DcmOutputBufferStream stream(&bytes[0], bytes.size());
  parentFile.transferInit();
  ASSERT_TRUE(parentFile.write(stream, EXS_LittleEndianExplicit, EET_ExplicitLength, nullptr).good());
  parentFile.transferEnd();
  bytes.resize(static_cast<size_t>(stream.tell()));
  const ParentStudyTags parent = ParentStudyTags::FromDicomFile(bytes.data(), bytes.size());

  SeriesOptions options = Options(IodType::MrImage);
  options.sidecar = MakeSidecar(true);
  options.seriesDescription = "Type 2";
  const NiftiVolume volume(MakeInt16Nifti(1), 1 << 20);
  CollectingSink sink;
  SeriesConverter::Convert(volume, parent, std::move(options), sink);
  ASSERT_FALSE(sink.files.empty());
  DcmDataset& d = sink.Get(0);

  EXPECT_EQ("Doe^Jane", GetString(d, DCM_PatientName));
  EXPECT_EQ("***", GetString(d, DCM_StudyDate));
  for (const DcmTagKey& tag : { DCM_PatientID, DCM_PatientBirthDate, DCM_PatientSex, DCM_StudyTime,
                                DCM_ReferringPhysicianName, DCM_StudyID, DCM_AccessionNumber })
  {
    EXPECT_EQ("", GetString(d, tag)) << tag.toString().c_str();   // present, empty
  }
  // No date that could go with the AcquisitionTime
  EXPECT_EQ("<absent>", GetString(d, DCM_AcquisitionDate));
}
