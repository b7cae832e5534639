#include "Conversion/SeriesConverter.h"
#include "Common/ConversionError.h"
#include "Dicom/DicomUid.h"
#include "NiftiTestFile.h"
#include "Metadata/ParentStudyTags.h"
#include "TestHelpers.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <json/value.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

using namespace NiftiToDicom;
using namespace NiftiTest;

namespace
{
  struct SinkFailure
  {
  };

  class FailingSink : public IInstanceSink
  {
  public:
    int calls = 0;

    void Store(const std::string& dicomFile, int64_t index, int64_t count) override
    {
      // The third call fails, whichever instance it brings: failing on a given
      // index would let the other threads finish everything else first when
      // the thread holding that index is descheduled (a loaded machine)
      const int call = calls++;
      if (call == 2)
      {
        throw SinkFailure();
      }
      if (call > 2)
      {
        // Stores after the failure are slow, as a real one would be: the 37 left
        // take the other threads about a second, which the failing thread needs
        // only microseconds of to stop them (it did lose that race in CI, where
        // stores of 8x8 slices took microseconds too)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  };

  // The 4D test volume: 5 columns, 4 rows, 3 slices, 2 time points, int16,
  // voxel (i, j, k, t) = 1000 t + 100 k + 10 j + i - 500
  const int64_t NX = 5, NY = 4, NZ = 3, NT = 2;

  int16_t VoxelValue(int64_t i, int64_t j, int64_t k, int64_t t)
  {
    return static_cast<int16_t>(1000 * t + 100 * k + 10 * j + i - 500);
  }

  std::string MakeFourDimensionalNifti(int version)
  {
    NiftiTestFile f(version, { NX, NY, NZ, NT }, DT_INT16);
    std::vector<int16_t> values(NX * NY * NZ * NT);
    for (int64_t t = 0; t < NT; t++)
    {
      for (int64_t k = 0; k < NZ; k++)
      {
        for (int64_t j = 0; j < NY; j++)
        {
          for (int64_t i = 0; i < NX; i++)
          {
            values[static_cast<size_t>(i + NX * (j + NY * (k + NZ * t)))] = VoxelValue(i, j, k, t);
          }
        }
      }
    }
    f.SetVoxels(values);
    const double rows[3][4] = { { 0.7, 0, 0, -10 }, { 0, 1.3, 0, 20 }, { 0, 0, 2.5, 30 } };
    f.SetSform(1, rows);
    f.pixdim[4] = 2;        // TR
    f.xyztUnits = 2 | 8;    // mm, s
    return f.Build();
  }

  // Real values of the pixels of one instance, as a DICOM viewer computes them
  std::vector<double> DecodeRealPixels(DcmDataset& d)
  {
    const Uint16 rows = GetUint16(d, DCM_Rows);
    const Uint16 columns = GetUint16(d, DCM_Columns);
    const Uint16 representation = GetUint16(d, DCM_PixelRepresentation);
    EXPECT_EQ(16, GetUint16(d, DCM_BitsAllocated));

    const Uint16* pixels = nullptr;
    unsigned long count = 0;
    EXPECT_TRUE(d.findAndGetUint16Array(DCM_PixelData, pixels, &count).good());
    EXPECT_EQ(static_cast<unsigned long>(rows) * columns, count);

    std::vector<double> slope = GetDecimals(d, DCM_RescaleSlope);
    std::vector<double> intercept = GetDecimals(d, DCM_RescaleIntercept);
    const double s = slope.empty() ? 1.0 : slope[0];
    const double b = intercept.empty() ? 0.0 : intercept[0];

    std::vector<double> values;
    for (unsigned long i = 0; pixels != nullptr && i < count; i++)
    {
      const double p = (representation == 1) ? static_cast<double>(static_cast<int16_t>(pixels[i])) : pixels[i];
      values.push_back(s * p + b);
    }
    return values;
  }

  // Writes a small parent instance with an ISO 8859-1 patient name
  std::string MakeLatin1Parent()
  {
    DcmFileFormat file;
    DcmDataset& d = *file.getDataset();
    d.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 100");
    d.putAndInsertString(DCM_SOPClassUID, UID_MRImageStorage);
    d.putAndInsertString(DCM_SOPInstanceUID, "1.2.826.0.1.3680043.2.1125.99.1.1.1");
    d.putAndInsertString(DCM_StudyInstanceUID, "1.2.826.0.1.3680043.2.1125.99.1");
    d.putAndInsertString(DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.2.1125.99.1.1");
    d.putAndInsertString(DCM_Modality, "MR");
    d.putAndInsertString(DCM_PatientName, "M\xfcller^J\xfcrgen");
    d.putAndInsertString(DCM_PatientID, "P\xe9-42");
    d.putAndInsertString(DCM_StudyDescription, "Sch\xe4" "del");

    const std::string path = ::testing::TempDir() + "nifti-to-dicom-latin1-parent.dcm";
    EXPECT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
    const std::string content = ReadFile(path);
    std::remove(path.c_str());
    return content;
  }
}


TEST(ParentStudyTags, FromPydicomFile)
{
  DcmFileFormat reference;
  ASSERT_TRUE(reference.loadFile(MR_SMALL).good());
  DcmDataset& r = *reference.getDataset();

  const ParentStudyTags parent = LoadParent(MR_SMALL);
  EXPECT_EQ(GetString(r, DCM_StudyInstanceUID), parent.GetStudyInstanceUid());
  EXPECT_EQ(GetString(r, DCM_PatientID), parent.GetString(DCM_PatientID));
  EXPECT_EQ(GetString(r, DCM_PatientName), parent.GetString(DCM_PatientName));
  EXPECT_EQ("4MR1", parent.GetString(DCM_PatientID));

  // Series-level attributes are not copied
  EXPECT_EQ("", parent.GetString(DCM_SeriesInstanceUID));
  EXPECT_EQ("", parent.GetString(DCM_Modality));
  EXPECT_EQ("", parent.GetString(DCM_ImagePositionPatient));
}


TEST(ParentStudyTags, RefusesGarbage)
{
  const std::string garbage(1000, 'x');
  EXPECT_THROW(ParentStudyTags::FromDicomFile(garbage.data(), garbage.size()), ConversionError);

  // A valid DICOM file without StudyInstanceUID
  DcmFileFormat file;
  file.getDataset()->putAndInsertString(DCM_SOPClassUID, UID_MRImageStorage);
  file.getDataset()->putAndInsertString(DCM_SOPInstanceUID, "1.2.3");
  file.getDataset()->putAndInsertString(DCM_PatientID, "X");
  const std::string path = ::testing::TempDir() + "nifti-to-dicom-no-study.dcm";
  ASSERT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
  const std::string content = ReadFile(path);
  std::remove(path.c_str());
  EXPECT_THROW(ParentStudyTags::FromDicomFile(content.data(), content.size()), ConversionError);
}


TEST(SeriesConverter, FourDimensionalMrSeries)
{
  DcmFileFormat reference;
  ASSERT_TRUE(reference.loadFile(MR_SMALL).good());
  DcmDataset& parentDataset = *reference.getDataset();
  const ParentStudyTags parent = LoadParent(MR_SMALL);

  for (int version = 1; version <= 2; version++)
  {
    SCOPED_TRACE(version);
    const NiftiVolume volume(GzipCompress(MakeFourDimensionalNifti(version)), 1 << 20);

    SeriesOptions options;
    options.iod = IodType::MrImage;
    options.seriesDescription = "FA map";
    options.seriesNumber = 1234;
    CollectingSink sink;
    const ConversionSummary summary = SeriesConverter::Convert(volume, parent, std::move(options), sink);

    ASSERT_EQ(static_cast<size_t>(NZ * NT), sink.files.size());
    EXPECT_EQ(NZ * NT, summary.instancesCount);
    for (const auto& file : sink.files)
    {
      ASSERT_TRUE(file != nullptr);
    }

    std::set<std::string> sopInstanceUids;
    std::set<std::string> seriesInstanceUids;
    std::set<std::string> frameOfReferenceUids;

    for (int64_t t = 0; t < NT; t++)
    {
      for (int64_t k = 0; k < NZ; k++)
      {
        const size_t index = static_cast<size_t>(t * NZ + k);
        SCOPED_TRACE("k=" + std::to_string(k) + ", t=" + std::to_string(t));
        DcmDataset& d = sink.Get(index);
        EXPECT_EQ(static_cast<int64_t>(index), sink.indexes[index]);
        EXPECT_EQ(NZ * NT, sink.counts[index]);

        // Identification
        EXPECT_EQ(UID_MRImageStorage, GetString(d, DCM_SOPClassUID));
        EXPECT_EQ("MR", GetString(d, DCM_Modality));
        EXPECT_EQ(std::to_string(t * NZ + k + 1), GetString(d, DCM_InstanceNumber));
        EXPECT_EQ(std::to_string(t + 1), GetString(d, DCM_TemporalPositionIdentifier));
        EXPECT_EQ(std::to_string(NT), GetString(d, DCM_NumberOfTemporalPositions));
        EXPECT_EQ("1234", GetString(d, DCM_SeriesNumber));
        EXPECT_EQ("FA map", GetString(d, DCM_SeriesDescription));
        EXPECT_EQ("ISO_IR 192", GetString(d, DCM_SpecificCharacterSet));

        const std::string sop = GetString(d, DCM_SOPInstanceUID);
        EXPECT_TRUE(DicomUid::IsValid(sop)) << sop;
        EXPECT_EQ(sop, GetString(*sink.files[index]->getMetaInfo(), DCM_MediaStorageSOPInstanceUID));
        sopInstanceUids.insert(sop);
        seriesInstanceUids.insert(GetString(d, DCM_SeriesInstanceUID));
        frameOfReferenceUids.insert(GetString(d, DCM_FrameOfReferenceUID));

        // Same patient and study as the parent
        EXPECT_EQ(GetString(parentDataset, DCM_StudyInstanceUID), GetString(d, DCM_StudyInstanceUID));
        EXPECT_EQ(GetString(parentDataset, DCM_PatientID), GetString(d, DCM_PatientID));
        EXPECT_EQ(GetString(parentDataset, DCM_PatientName), GetString(d, DCM_PatientName));
        EXPECT_EQ(GetString(parentDataset, DCM_PatientSex), GetString(d, DCM_PatientSex));
        EXPECT_EQ(GetString(parentDataset, DCM_StudyDate), GetString(d, DCM_StudyDate));
        EXPECT_EQ(GetString(parentDataset, DCM_StudyID), GetString(d, DCM_StudyID));

        // Derived image
        const std::string imageType = GetString(d, DCM_ImageType);
        EXPECT_EQ(0u, imageType.find("DERIVED\\")) << imageType;

        // Image Pixel
        EXPECT_EQ(NY, GetUint16(d, DCM_Rows));
        EXPECT_EQ(NX, GetUint16(d, DCM_Columns));
        EXPECT_EQ(1, GetUint16(d, DCM_SamplesPerPixel));
        EXPECT_EQ("MONOCHROME2", GetString(d, DCM_PhotometricInterpretation));

        // Image Plane: PixelSpacing is [row spacing (j: 1.3), column spacing (i: 0.7)]
        const std::vector<double> spacing = GetDecimals(d, DCM_PixelSpacing);
        ASSERT_EQ(2u, spacing.size());
        EXPECT_NEAR(1.3, spacing[0], 1e-6);
        EXPECT_NEAR(0.7, spacing[1], 1e-6);
        const std::vector<double> iop = GetDecimals(d, DCM_ImageOrientationPatient);
        const std::vector<double> expectedIop = { -1, 0, 0, 0, 1, 0 };
        ASSERT_EQ(6u, iop.size());
        for (size_t i = 0; i < 6; i++)
        {
          EXPECT_NEAR(expectedIop[i], iop[i], 1e-9);
        }

        // First pixel = voxel (0, NY-1, k): RAS (-10, 20 + 3 * 1.3, 30 + 2.5 k)
        const std::vector<double> ipp = GetDecimals(d, DCM_ImagePositionPatient);
        ASSERT_EQ(3u, ipp.size());
        EXPECT_NEAR(10, ipp[0], 1e-5);
        EXPECT_NEAR(-23.9, ipp[1], 1e-5);
        EXPECT_NEAR(30 + 2.5 * k, ipp[2], 1e-5);

        const std::vector<double> thickness = GetDecimals(d, DCM_SliceThickness);
        ASSERT_EQ(1u, thickness.size());
        EXPECT_NEAR(2.5, thickness[0], 1e-6);
        const std::vector<double> tr = GetDecimals(d, DCM_RepetitionTime);
        ASSERT_EQ(1u, tr.size());
        EXPECT_NEAR(2000, tr[0], 1e-6);

        // Every pixel (c, r) is voxel (c, NY-1-r, k, t)
        const std::vector<double> pixels = DecodeRealPixels(d);
        ASSERT_EQ(static_cast<size_t>(NX * NY), pixels.size());
        for (int64_t r = 0; r < NY; r++)
        {
          for (int64_t c = 0; c < NX; c++)
          {
            EXPECT_EQ(VoxelValue(c, NY - 1 - r, k, t), pixels[static_cast<size_t>(r * NX + c)])
              << "pixel (c=" << c << ", r=" << r << ")";
          }
        }
      }
    }

    EXPECT_EQ(static_cast<size_t>(NZ * NT), sopInstanceUids.size());
    ASSERT_EQ(1u, seriesInstanceUids.size());
    EXPECT_EQ(summary.seriesInstanceUid, *seriesInstanceUids.begin());
    EXPECT_NE(GetString(parentDataset, DCM_SeriesInstanceUID), summary.seriesInstanceUid);
    EXPECT_TRUE(DicomUid::IsValid(summary.seriesInstanceUid));
    EXPECT_EQ(1u, frameOfReferenceUids.size());
    EXPECT_EQ(0u, sopInstanceUids.count(GetString(parentDataset, DCM_SOPInstanceUID)));
  }
}


TEST(SeriesConverter, TwoConversionsGiveTwoSeries)
{
  const ParentStudyTags parent = LoadParent(MR_SMALL);
  const NiftiVolume volume(MakeFourDimensionalNifti(1), 1 << 20);
  CollectingSink a, b;
  const ConversionSummary sa = SeriesConverter::Convert(volume, parent, SeriesOptions(), a);
  const ConversionSummary sb = SeriesConverter::Convert(volume, parent, SeriesOptions(), b);
  EXPECT_NE(sa.seriesInstanceUid, sb.seriesInstanceUid);
  EXPECT_NE(GetString(a.Get(0), DCM_SOPInstanceUID), GetString(b.Get(0), DCM_SOPInstanceUID));
}


TEST(SeriesConverter, CtSeriesFromCtParent)
{
  DcmFileFormat reference;
  ASSERT_TRUE(reference.loadFile(CT_SMALL).good());
  DcmDataset& parentDataset = *reference.getDataset();
  const ParentStudyTags parent = LoadParent(CT_SMALL);

  NiftiTestFile f(1, { 6, 5, 2 }, DT_INT16);
  std::vector<int16_t> values(60);
  for (size_t i = 0; i < values.size(); i++)
  {
    values[i] = static_cast<int16_t>(static_cast<int>(i) * 37 - 1024);
  }
  f.SetVoxels(values);
  f.sclSlope = 1;
  f.sclInter = -1024;   // stored values are HU + 1024
  const double rows[3][4] = { { -0.5, 0, 0, 100 }, { 0, -0.5, 0, 120 }, { 0, 0, 5, -50 } };
  f.SetSform(1, rows);
  const NiftiVolume volume(f.Build(), 1 << 20);

  SeriesOptions options;
  options.iod = IodType::CtImage;
  options.modality = Modality::CT;
  CollectingSink sink;
  const ConversionSummary summary = SeriesConverter::Convert(volume, parent, std::move(options), sink);
  ASSERT_EQ(2u, sink.files.size());
  EXPECT_EQ(2, summary.instancesCount);

  for (size_t k = 0; k < 2; k++)
  {
    DcmDataset& d = sink.Get(k);
    EXPECT_EQ(UID_CTImageStorage, GetString(d, DCM_SOPClassUID));
    EXPECT_EQ("CT", GetString(d, DCM_Modality));
    EXPECT_EQ(0u, GetString(d, DCM_ImageType).find("DERIVED\\"));   // the parent's is ORIGINAL
    EXPECT_EQ(GetString(parentDataset, DCM_StudyInstanceUID), GetString(d, DCM_StudyInstanceUID));
    EXPECT_EQ(GetString(parentDataset, DCM_PatientID), GetString(d, DCM_PatientID));
    EXPECT_EQ(GetString(parentDataset, DCM_PatientName), GetString(d, DCM_PatientName));
    EXPECT_EQ("<absent>", GetString(d, DCM_TemporalPositionIdentifier));   // 3D

    // Rescale is Type 1 in CT
    ASSERT_EQ(1u, GetDecimals(d, DCM_RescaleSlope).size());
    ASSERT_EQ(1u, GetDecimals(d, DCM_RescaleIntercept).size());
    EXPECT_EQ(-1024, GetDecimals(d, DCM_RescaleIntercept)[0]);

    // The parent's Other Patient IDs sequence comes along, both items
    DcmSequenceOfItems* sequence = nullptr;
    if (parentDataset.findAndGetSequence(DCM_OtherPatientIDsSequence, sequence).good() && sequence != nullptr)
    {
      DcmSequenceOfItems* copied = nullptr;
      ASSERT_TRUE(d.findAndGetSequence(DCM_OtherPatientIDsSequence, copied).good());
      ASSERT_TRUE(copied != nullptr);
      EXPECT_EQ(sequence->card(), copied->card());
    }

    const std::vector<double> pixels = DecodeRealPixels(d);
    ASSERT_EQ(30u, pixels.size());
    for (int64_t r = 0; r < 5; r++)
    {
      for (int64_t c = 0; c < 6; c++)
      {
        const size_t voxel = static_cast<size_t>(c + 6 * ((4 - r) + 5 * static_cast<int64_t>(k)));
        EXPECT_EQ(values[voxel] - 1024, pixels[static_cast<size_t>(r * 6 + c)]);
      }
    }

    // Voxel (0, 4, k) = RAS (100, 118, -50 + 5k)
    const std::vector<double> ipp = GetDecimals(d, DCM_ImagePositionPatient);
    ASSERT_EQ(3u, ipp.size());
    EXPECT_NEAR(-100, ipp[0], 1e-5);
    EXPECT_NEAR(-118, ipp[1], 1e-5);
    EXPECT_NEAR(-50 + 5.0 * static_cast<double>(k), ipp[2], 1e-5);
  }
}


TEST(SeriesConverter, QuantisedFloatsWithinHalfSlope)
{
  const ParentStudyTags parent = LoadParent(MR_SMALL);

  const int64_t nx = 7, ny = 6, nz = 2;
  std::vector<float> values(static_cast<size_t>(nx * ny * nz));
  for (size_t i = 0; i < values.size(); i++)
  {
    values[i] = static_cast<float>(std::sin(static_cast<double>(i) * 0.37) * 0.75 + 0.25);   // FA-like
  }
  values[11] = std::numeric_limits<float>::quiet_NaN();
  NiftiTestFile f(2, { nx, ny, nz }, DT_FLOAT32);
  f.byteSwapped = true;
  f.SetVoxels(values);
  const NiftiVolume volume(f.Build(), 1 << 20);

  CollectingSink sink;
  const ConversionSummary summary = SeriesConverter::Convert(volume, parent, SeriesOptions(), sink);
  ASSERT_EQ(2u, sink.files.size());
  EXPECT_FALSE(summary.warnings.empty());

  const double maxError = 1.5 / 65000 / 2;   // range at most [-0.5, 1]
  for (int64_t k = 0; k < nz; k++)
  {
    DcmDataset& d = sink.Get(static_cast<size_t>(k));
    ASSERT_EQ(1u, GetDecimals(d, DCM_RescaleSlope).size());
    const double slope = GetDecimals(d, DCM_RescaleSlope)[0];
    EXPECT_LE(slope / 2, maxError);

    const std::vector<double> pixels = DecodeRealPixels(d);
    ASSERT_EQ(static_cast<size_t>(nx * ny), pixels.size());
    for (int64_t r = 0; r < ny; r++)
    {
      for (int64_t c = 0; c < nx; c++)
      {
        const float v = values[static_cast<size_t>(c + nx * ((ny - 1 - r) + ny * k))];
        const double expected = std::isfinite(v) ? v : 0.0;
        EXPECT_NEAR(expected, pixels[static_cast<size_t>(r * nx + c)], slope / 2 * (1 + 1e-9) + 1e-12)
          << "pixel (c=" << c << ", r=" << r << ", k=" << k << ")";
      }
    }
  }
}


TEST(SeriesConverter, TagOverridesApplied)
{
  const ParentStudyTags parent = LoadParent(MR_SMALL);
  const NiftiVolume volume(MakeFourDimensionalNifti(2), 1 << 20);

  Json::Value tags(Json::objectValue);
  tags["ProtocolName"] = "Diffusion FA";
  tags["BodyPartExamined"] = "BRAIN";
  tags["SeriesNumber"] = "901";
  tags["0020,4000"] = "Gr\xc3\xb6\xc3\x9f" "e \xe2\x82\xac";   // UTF-8 ImageComments
  tags["EchoTime"] = "92.5";

  SeriesOptions options;
  options.seriesNumber = 5;
  options.tags = TagOverrides::Parse(tags);
  CollectingSink sink;
  SeriesConverter::Convert(volume, parent, std::move(options), sink);
  ASSERT_EQ(static_cast<size_t>(NZ * NT), sink.files.size());

  for (size_t i = 0; i < sink.files.size(); i++)
  {
    DcmDataset& d = sink.Get(i);
    EXPECT_EQ("Diffusion FA", GetString(d, DCM_ProtocolName));
    EXPECT_EQ("BRAIN", GetString(d, DCM_BodyPartExamined));
    EXPECT_EQ("901", GetString(d, DCM_SeriesNumber));
    EXPECT_EQ("Gr\xc3\xb6\xc3\x9f" "e \xe2\x82\xac", GetString(d, DCM_ImageComments));
    EXPECT_EQ("92.5", GetString(d, DCM_EchoTime));
    EXPECT_EQ("ISO_IR 192", GetString(d, DCM_SpecificCharacterSet));
    EXPECT_EQ(std::to_string(i + 1), GetString(d, DCM_InstanceNumber));   // untouched
  }
}


TEST(SeriesConverter, Latin1ParentBecomesUtf8)
{
  const std::string parentFile = MakeLatin1Parent();
  ASSERT_FALSE(parentFile.empty());
  const ParentStudyTags parent = ParentStudyTags::FromDicomFile(parentFile.data(), parentFile.size());
  EXPECT_EQ("M\xc3\xbcller^J\xc3\xbcrgen", parent.GetString(DCM_PatientName));

  const NiftiVolume volume(MakeFourDimensionalNifti(1), 1 << 20);
  SeriesOptions options;
  options.seriesDescription = "Diffusion \xc3\xa9t\xc3\xa9";   // UTF-8 "Diffusion été"
  CollectingSink sink;
  SeriesConverter::Convert(volume, parent, std::move(options), sink);
  ASSERT_EQ(static_cast<size_t>(NZ * NT), sink.files.size());

  for (size_t i = 0; i < sink.files.size(); i++)
  {
    DcmDataset& d = sink.Get(i);
    EXPECT_EQ("ISO_IR 192", GetString(d, DCM_SpecificCharacterSet));
    EXPECT_EQ("M\xc3\xbcller^J\xc3\xbcrgen", GetString(d, DCM_PatientName));   // "Müller^Jürgen"
    EXPECT_EQ("P\xc3\xa9-42", GetString(d, DCM_PatientID));
    EXPECT_EQ("Sch\xc3\xa4" "del", GetString(d, DCM_StudyDescription));
    EXPECT_EQ("Diffusion \xc3\xa9t\xc3\xa9", GetString(d, DCM_SeriesDescription));
    EXPECT_EQ("1.2.826.0.1.3680043.2.1125.99.1", GetString(d, DCM_StudyInstanceUID));
  }

  // DCMTK itself agrees that the file is consistent UTF-8: converting it
  // to UTF-8 again changes nothing
  DcmDataset& d = sink.Get(0);
  EXPECT_TRUE(d.convertToUTF8().good());
  EXPECT_EQ("M\xc3\xbcller^J\xc3\xbcrgen", GetString(d, DCM_PatientName));
}


TEST(ParentStudyTags, UndeclaredLatin1ReadAsLatin1)
{
  // No SpecificCharacterSet, yet 8-bit bytes: what older scanners write, and
  // what Orthanc shows as Latin-1 by default
  DcmFileFormat file;
  DcmDataset& d = *file.getDataset();
  d.putAndInsertString(DCM_SOPClassUID, UID_MRImageStorage);
  d.putAndInsertString(DCM_SOPInstanceUID, "1.2.826.0.1.3680043.2.1125.99.2.1.1");
  d.putAndInsertString(DCM_StudyInstanceUID, "1.2.826.0.1.3680043.2.1125.99.2");
  d.putAndInsertString(DCM_PatientName, "M\xfcller^J\xfcrgen");
  d.putAndInsertString(DCM_PatientID, "42");
  const std::string path = ::testing::TempDir() + "nifti-to-dicom-undeclared.dcm";
  ASSERT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
  const std::string content = ReadFile(path);
  std::remove(path.c_str());

  const ParentStudyTags parent = ParentStudyTags::FromDicomFile(content.data(), content.size());
  EXPECT_EQ("M\xc3\xbcller^J\xc3\xbcrgen", parent.GetString(DCM_PatientName));
  EXPECT_EQ("42", parent.GetString(DCM_PatientID));
}


TEST(SeriesConverter, FailingSinkAbortsConversion)
{
  const ParentStudyTags parent = LoadParent(MR_SMALL);
  const NiftiVolume volume(MakeFourDimensionalNifti(1), 1 << 20);
  FailingSink sink;
  EXPECT_THROW(SeriesConverter::Convert(volume, parent, SeriesOptions(), sink), SinkFailure);
  EXPECT_EQ(3, sink.calls);   // nothing stored after the failure
}


TEST(SeriesConverter, LargerSliceWritesCompleteFile)
{
  // A 256 x 256 slice: the Part-10 writer must not truncate the pixel data
  const ParentStudyTags parent = LoadParent(MR_SMALL);
  NiftiTestFile f(1, { 256, 256, 1 }, DT_UINT16);
  std::vector<uint16_t> values(256 * 256);
  for (size_t i = 0; i < values.size(); i++)
  {
    values[i] = static_cast<uint16_t>(i * 13);
  }
  f.SetVoxels(values);
  const NiftiVolume volume(f.Build(), 1 << 20);

  CollectingSink sink;
  SeriesConverter::Convert(volume, parent, SeriesOptions(), sink);
  ASSERT_EQ(1u, sink.files.size());
  EXPECT_GT(sink.sizes[0], 256u * 256u * 2u);
  const std::vector<double> pixels = DecodeRealPixels(sink.Get(0));
  ASSERT_EQ(values.size(), pixels.size());
  EXPECT_EQ(values[255 * 256], pixels[0]);           // voxel (0, 255)
  EXPECT_EQ(values[255], pixels[255 * 256 + 255]);   // voxel (255, 0)
}


TEST(SeriesConverter, RepetitionTimeUnits)
{
  const ParentStudyTags parent = LoadParent(MR_SMALL);

  const struct
  {
    double pixdim4;
    int timeUnit;
    const char* expected;   // RepetitionTime in ms, "" when unknown
  } cases[] =
  {
    { 2.0, 8, "2000" },      // seconds
    { 1500, 16, "1500" },    // milliseconds
    { 800000, 24, "800" },   // microseconds
    { 2000, 8, "2000" },     // "seconds" that are really milliseconds
    { 2.0, 0, "" },          // unknown unit: no guess
    { 0, 8, "" }
  };

  for (const auto& c : cases)
  {
    SCOPED_TRACE(std::to_string(c.pixdim4) + " unit " + std::to_string(c.timeUnit));
    NiftiTestFile f(1, { 2, 2, 1, 3 }, DT_UINT8);
    f.pixdim[4] = c.pixdim4;
    f.xyztUnits = 2 | c.timeUnit;
    const NiftiVolume volume(f.Build(), 1 << 20);
    CollectingSink sink;
    SeriesConverter::Convert(volume, parent, SeriesOptions(), sink);
    ASSERT_EQ(3u, sink.files.size());
    const std::vector<double> tr = GetDecimals(sink.Get(0), DCM_RepetitionTime);
    if (c.expected[0] == '\0')
    {
      EXPECT_TRUE(tr.empty());
    }
    else
    {
      ASSERT_EQ(1u, tr.size());
      EXPECT_DOUBLE_EQ(strtod(c.expected, nullptr), tr[0]);
    }
  }
}


TEST(SeriesConverter, SeriesDescription)
{
  const ParentStudyTags parent = LoadParent(MR_SMALL);
  NiftiTestFile f(2, { 2, 2, 2 }, DT_UINT8);
  f.descrip = "FSL5.0";
  const std::string file = f.Build();

  const struct
  {
    const char* description;
    const char* filename;
    bool useNiftiDescription;
    const char* expected;
    const char* imageComments;
  } cases[] =
  {
    { "Fractional anisotropy", "dti_FA.nii.gz", false, "Fractional anisotropy", "<absent>" },
    { "", "/data/sub-01/dwi/sub-01_FA.nii.gz", false, "sub-01_FA", "<absent>" },
    { "  ", "dti_MD.nii", false, "dti_MD", "<absent>" },
    // descrip is free text that may name the patient: only on request
    { "", "", false, "NIfTI import", "<absent>" },
    { "", "", true, "FSL5.0", "FSL5.0" },
    { "", "dti_MD.nii", true, "dti_MD", "FSL5.0" }
  };

  for (const auto& c : cases)
  {
    SCOPED_TRACE(c.expected);
    const NiftiVolume volume{ std::string(file), 1 << 20 };
    SeriesOptions options;
    options.seriesDescription = c.description;
    options.sourceFilename = c.filename;
    options.useNiftiDescription = c.useNiftiDescription;
    CollectingSink sink;
    SeriesConverter::Convert(volume, parent, std::move(options), sink);
    ASSERT_EQ(2u, sink.files.size());
    EXPECT_EQ(c.expected, GetString(sink.Get(0), DCM_SeriesDescription));
    EXPECT_EQ(c.imageComments, GetString(sink.Get(0), DCM_ImageComments));
    EXPECT_NE(std::string::npos, GetString(sink.Get(0), DCM_DerivationDescription).find("NIfTI-2"));
  }

  // LO holds 64 characters: a longer UTF-8 description is cut between characters
  std::string longDescription;
  for (int i = 0; i < 70; i++)
  {
    longDescription += "\xc3\xa9";   // é
  }
  const NiftiVolume volume{ std::string(file), 1 << 20 };
  SeriesOptions options;
  options.seriesDescription = longDescription;
  CollectingSink sink;
  const ConversionSummary summary = SeriesConverter::Convert(volume, parent, std::move(options), sink);
  EXPECT_EQ(longDescription.substr(0, 128), GetString(sink.Get(0), DCM_SeriesDescription));
  EXPECT_FALSE(summary.warnings.empty());
}


TEST(SeriesConverter, SeriesDescriptionIsOneValidLongString)
{
  // A backslash would make two values, a newline or a tab an invalid LO (and ST)
  const ParentStudyTags parent = LoadParent(MR_SMALL);
  NiftiTestFile f(2, { 2, 2, 2 }, DT_UINT8);
  const std::string file = f.Build();

  const struct
  {
    const char* description;
    const char* filename;
    const char* expected;
  } cases[] =
  {
    { "FA\\MD", "", "FA/MD" },
    { "line 1\nline 2\tend", "", "line 1 line 2 end" },
    { "", "tab\there.nii", "tab here" },
    { "", "dir\\new\nline.nii.gz", "new line" },
    { "\x01\x02", "", "NIfTI import" }
  };

  for (const auto& c : cases)
  {
    SCOPED_TRACE(c.expected);
    const NiftiVolume volume{ std::string(file), 1 << 20 };
    SeriesOptions options;
    options.seriesDescription = c.description;
    options.sourceFilename = c.filename;
    CollectingSink sink;
    const ConversionSummary summary = SeriesConverter::Convert(volume, parent, std::move(options), sink);
    EXPECT_EQ(c.expected, GetString(sink.Get(0), DCM_SeriesDescription));
    const std::string derivation = GetString(sink.Get(0), DCM_DerivationDescription);
    for (char ch : derivation)
    {
      EXPECT_FALSE(static_cast<unsigned char>(ch) < 0x20) << derivation;
    }
    EXPECT_FALSE(summary.warnings.empty());
  }
}


namespace
{
  class ThreadSafeSink : public IInstanceSink
  {
  private:
    std::mutex mutex_;

  public:
    std::map<int64_t, std::string> files;
    std::vector<int64_t> counts;
    int duplicates = 0;

    void Store(const std::string& dicomFile, int64_t index, int64_t count) override
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!files.insert(std::make_pair(index, dicomFile)).second)
      {
        duplicates++;
      }
      counts.push_back(count);
    }
  };

  class ThreadSafeFailingSink : public IInstanceSink
  {
  public:
    std::atomic<int> calls{ 0 };

    void Store(const std::string& dicomFile, int64_t index, int64_t count) override
    {
      // The third call fails, whichever instance it brings: failing on a given
      // index would let the other threads finish everything else first when
      // the thread holding that index is descheduled (a loaded machine)
      const int call = calls++;
      if (call == 2)
      {
        throw SinkFailure();
      }
      if (call > 2)
      {
        // Stores after the failure are slow, as a real one would be: the 37 left
        // take the other threads about a second, which the failing thread needs
        // only microseconds of to stop them (it did lose that race in CI, where
        // stores of 8x8 slices took microseconds too)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  };
}


TEST(SeriesConverter, SeveralThreadsDeliverEveryInstanceOnce)
{
  const ParentStudyTags parent = LoadParent(MR_SMALL);
  const NiftiVolume volume(MakeFourDimensionalNifti(2), 1 << 20);

  for (unsigned int threads : { 2u, 4u, 64u })
  {
    SCOPED_TRACE(threads);
    ThreadSafeSink sink;
    const ConversionSummary summary = SeriesConverter::Convert(volume, parent, SeriesOptions(), sink, threads);
    EXPECT_EQ(NZ * NT, summary.instancesCount);
    EXPECT_EQ(0, sink.duplicates);
    ASSERT_EQ(static_cast<size_t>(NZ * NT), sink.files.size());

    std::set<std::string> sopInstanceUids;
    for (const auto& entry : sink.files)
    {
      const int64_t index = entry.first;
      ASSERT_GE(index, 0);
      ASSERT_LT(index, NZ * NT);
      const int64_t t = index / NZ, k = index % NZ;

      std::unique_ptr<DcmFileFormat> file = ParseDicom(entry.second);
      ASSERT_TRUE(file != nullptr);
      DcmDataset& d = *file->getDataset();
      EXPECT_EQ(std::to_string(index + 1), GetString(d, DCM_InstanceNumber));
      EXPECT_EQ(summary.seriesInstanceUid, GetString(d, DCM_SeriesInstanceUID));
      sopInstanceUids.insert(GetString(d, DCM_SOPInstanceUID));

      const std::vector<double> ipp = GetDecimals(d, DCM_ImagePositionPatient);
      ASSERT_EQ(3u, ipp.size());
      EXPECT_NEAR(30 + 2.5 * static_cast<double>(k), ipp[2], 1e-9);

      const std::vector<double> pixels = DecodeRealPixels(d);
      ASSERT_EQ(static_cast<size_t>(NX * NY), pixels.size());
      for (int64_t r = 0; r < NY; r++)
      {
        for (int64_t c = 0; c < NX; c++)
        {
          ASSERT_EQ(VoxelValue(c, NY - 1 - r, k, t), pixels[static_cast<size_t>(r * NX + c)]);
        }
      }
    }
    EXPECT_EQ(static_cast<size_t>(NZ * NT), sopInstanceUids.size());
    for (int64_t count : sink.counts)
    {
      EXPECT_EQ(NZ * NT, count);
    }
  }
}


TEST(SeriesConverter, FailingSinkAbortsParallelConversion)
{
  const ParentStudyTags parent = LoadParent(MR_SMALL);

  // 40 instances, so that the other threads still have work when the sink fails
  NiftiTestFile f(1, { 8, 8, 10, 4 }, DT_INT16);
  const NiftiVolume volume(f.Build(), 1 << 20);

  for (unsigned int threads : { 1u, 3u })
  {
    SCOPED_TRACE(threads);
    ThreadSafeFailingSink sink;
    EXPECT_THROW(SeriesConverter::Convert(volume, parent, SeriesOptions(), sink, threads), SinkFailure);
    EXPECT_GE(sink.calls.load(), 1);
    EXPECT_LT(sink.calls.load(), 40);   // the failure stopped the conversion
  }
}
