#include "Dicom/DicomWriter.h"
#include "TestHelpers.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include <gtest/gtest.h>

#include <cstring>

using namespace NiftiToDicom;

namespace
{
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


TEST(DicomWriter, PutUint16WritesTheWholeRange)
{
  DcmDataset d;
  DicomWriter::PutUint16(d, DCM_Rows, 0);
  DicomWriter::PutUint16(d, DCM_Columns, 65535);

  Uint16 value = 1;
  ASSERT_TRUE(d.findAndGetUint16(DCM_Rows, value).good());
  EXPECT_EQ(0, value);
  ASSERT_TRUE(d.findAndGetUint16(DCM_Columns, value).good());
  EXPECT_EQ(65535, value);
}


TEST(DicomWriter, PutUint16RefusesWhatDoesNotFit)
{
  // 65536 used to be written as 0, and 70000 as 4464
  DcmDataset d;
  EXPECT_CONVERSION_ERROR(DicomWriter::PutUint16(d, DCM_Rows, 65536), Internal, "65536");
  EXPECT_CONVERSION_ERROR(DicomWriter::PutUint16(d, DCM_Rows, 70000), Internal, "(0028,0010)");
  EXPECT_CONVERSION_ERROR(DicomWriter::PutUint16(d, DCM_Rows, -1), Internal, "-1");
  EXPECT_FALSE(d.tagExists(DCM_Rows));
}


TEST(DicomWriter, PutReplacesTheValue)
{
  DcmDataset d;
  DicomWriter::Put(d, DCM_Manufacturer, "first");
  DicomWriter::Put(d, DCM_Manufacturer, "second");
  EXPECT_EQ("second", GetString(d, DCM_Manufacturer));

  DicomWriter::Put(d, DCM_PatientPosition, "");
  EXPECT_TRUE(d.tagExists(DCM_PatientPosition));
  EXPECT_EQ("", GetString(d, DCM_PatientPosition));
}


TEST(DicomWriter, RefusesAValueOfTheWrongKind)
{
  DcmDataset d;
  EXPECT_CONVERSION_ERROR(DicomWriter::Put(d, DCM_ReferencedSeriesSequence, "x"), Internal, "(0008,1115)");
  EXPECT_CONVERSION_ERROR(DicomWriter::PutUint16(d, DCM_PatientName, 1), Internal, "(0010,0010)");
}


TEST(DicomWriter, AppendItemAndAddCode)
{
  DcmDataset d;
  DcmItem& first = DicomWriter::AppendItem(d, DCM_ReferencedSeriesSequence);
  DicomWriter::Put(first, DCM_SeriesInstanceUID, "1.2.3");
  DcmItem& second = DicomWriter::AppendItem(d, DCM_ReferencedSeriesSequence);
  DicomWriter::Put(second, DCM_SeriesInstanceUID, "1.2.4");

  CodedConcept code;
  code.value = "109102";
  code.scheme = "DCM";
  code.meaning = "Processing Equipment";
  DicomWriter::AddCode(second, DCM_PurposeOfReferenceCodeSequence, code);

  DcmSequenceOfItems* sequence = nullptr;
  ASSERT_TRUE(d.findAndGetSequence(DCM_ReferencedSeriesSequence, sequence).good());
  ASSERT_EQ(2u, sequence->card());
  EXPECT_EQ("1.2.3", GetString(*sequence->getItem(0), DCM_SeriesInstanceUID));
  EXPECT_EQ("1.2.4", GetString(*sequence->getItem(1), DCM_SeriesInstanceUID));

  DcmItem* codeItem = nullptr;
  ASSERT_TRUE(sequence->getItem(1)->findAndGetSequenceItem(DCM_PurposeOfReferenceCodeSequence, codeItem).good());
  EXPECT_EQ("109102", GetString(*codeItem, DCM_CodeValue));
  EXPECT_EQ("DCM", GetString(*codeItem, DCM_CodingSchemeDesignator));
  EXPECT_EQ("Processing Equipment", GetString(*codeItem, DCM_CodeMeaning));
}


TEST(DicomWriter, WritePart10GivesAFileDcmtkReads)
{
  DcmFileFormat file;
  DicomWriter::Put(*file.getDataset(), DCM_SOPClassUID, "1.2.840.10008.5.1.4.1.1.4");
  DicomWriter::Put(*file.getDataset(), DCM_SOPInstanceUID, "1.2.3.4");
  DicomWriter::Put(*file.getDataset(), DCM_PatientName, "Doe^John");

  std::string target;
  DicomWriter::WritePart10(target, file);
  ASSERT_GT(target.size(), 132u);
  EXPECT_EQ("DICM", target.substr(128, 4));

  DcmInputBufferStream stream;
  stream.setBuffer(target.data(), static_cast<offile_off_t>(target.size()));
  stream.setEos();
  DcmFileFormat read;
  read.transferInit();
  ASSERT_TRUE(read.read(stream).good());
  read.transferEnd();
  EXPECT_EQ("Doe^John", GetString(*read.getDataset(), DCM_PatientName));
  OFString instance;
  ASSERT_TRUE(read.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPInstanceUID, instance).good());
  EXPECT_EQ("1.2.3.4", std::string(instance.c_str()));
  EXPECT_EQ(EXS_LittleEndianExplicit, read.getDataset()->getOriginalXfer());
}


namespace
{
  void FillDataset(DcmFileFormat& file)
  {
    DicomWriter::Put(*file.getDataset(), DCM_SOPClassUID, "1.2.840.10008.5.1.4.1.1.4.1");
    DicomWriter::Put(*file.getDataset(), DCM_SOPInstanceUID, "1.2.3.4.5");
    DicomWriter::Put(*file.getDataset(), DCM_PatientName, "Doe^Jane");
    DicomWriter::Put(DicomWriter::AppendItem(*file.getDataset(), DCM_SharedFunctionalGroupsSequence),
                     DCM_ImageType, "DERIVED");
    DicomWriter::PutUint16(*file.getDataset(), DCM_Rows, 3);
  }
}


TEST(DicomWriter, PixelsWrittenAfterTheDatasetGiveTheBytesOfDcmtk)
{
  // 14 bytes of 16-bit pixels (OW) and 16 bytes of float32 values (OF):
  // the file must be the very file DCMTK writes with the element inserted
  const uint8_t pixels[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 255 };
  const float values[] = { 1.5f, -2.25f, 1e30f, 0.0f };

  for (int vr = 0; vr < 2; vr++)
  {
    const bool floats = (vr == 1);
    const uint8_t* source = floats ? reinterpret_cast<const uint8_t*>(values) : pixels;
    const size_t bytes = floats ? sizeof(values) : sizeof(pixels);

    DcmFileFormat expectedFile;
    FillDataset(expectedFile);
    if (floats)
    {
      ASSERT_TRUE(expectedFile.getDataset()->putAndInsertFloat32Array(
                    DCM_FloatPixelData, values, sizeof(values) / sizeof(float)).good());
    }
    else
    {
      ASSERT_TRUE(expectedFile.getDataset()->putAndInsertUint16Array(
                    DCM_PixelData, reinterpret_cast<const Uint16*>(pixels), sizeof(pixels) / 2).good());
    }
    std::string expected;
    DicomWriter::WritePart10(expected, expectedFile);

    DcmFileFormat file;
    FillDataset(file);
    const DicomWriter::PixelElement element = { floats ? DCM_FloatPixelData : DCM_PixelData,
                                                floats ? EVR_OF : EVR_OW, bytes };
    std::string target = "previous content of the reused buffer";
    DicomWriter::WritePart10(target, file, element, [&](uint8_t* p)
    {
      memcpy(p, source, bytes);
    });
    EXPECT_EQ(expected.size(), target.size());
    EXPECT_TRUE(expected == target) << (floats ? "OF" : "OW");
  }
}


TEST(DicomWriter, PixelsAfterTheDatasetMustComeLast)
{
  DcmFileFormat file;
  FillDataset(file);
  ASSERT_TRUE(file.getDataset()->insertEmptyElement(DCM_DataSetTrailingPadding).good());
  const DicomWriter::PixelElement element = { DCM_PixelData, EVR_OW, 2 };
  std::string target;
  bool filled = false;
  EXPECT_CONVERSION_ERROR(DicomWriter::WritePart10(target, file, element, [&](uint8_t*) { filled = true; }),
                          Internal, "(fffc,fffc)");
  EXPECT_FALSE(filled);

  DcmFileFormat odd;
  FillDataset(odd);
  const DicomWriter::PixelElement oddElement = { DCM_PixelData, EVR_OW, 3 };
  EXPECT_CONVERSION_ERROR(DicomWriter::WritePart10(target, odd, oddElement, [&](uint8_t*) { filled = true; }),
                          Internal, "3 bytes");
  EXPECT_FALSE(filled);
}
