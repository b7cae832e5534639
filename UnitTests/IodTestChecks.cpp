#include "IodTestChecks.h"

#include "Dicom/DicomUid.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace NiftiToDicom;
using namespace NiftiTest;

namespace IodTest
{
  void ExpectDecimals(const std::vector<double>& expected, DcmItem& item, const DcmTagKey& tag, double tolerance)
  {
    const std::vector<double> actual = GetDecimals(item, tag);
    ASSERT_EQ(expected.size(), actual.size()) << tag.toString().c_str() << ": " << GetString(item, tag);
    for (size_t i = 0; i < expected.size(); i++)
    {
      EXPECT_NEAR(expected[i], actual[i], tolerance) << tag.toString().c_str() << " value " << i;
    }
  }

  DcmItem* GetItem(DcmItem& item, const DcmTagKey& sequence, int index)
  {
    DcmItem* found = nullptr;
    if (item.findAndGetSequenceItem(sequence, found, index).bad())
    {
      return nullptr;
    }
    return found;
  }

  unsigned long CountItems(DcmItem& item, const DcmTagKey& sequence)
  {
    DcmSequenceOfItems* found = nullptr;
    if (item.findAndGetSequence(sequence, found).bad() || found == nullptr)
    {
      return 0;
    }
    return found->card();
  }

  void CheckCommonModules(DcmFileFormat& file, const Series& series, const char* sopClassUid, const char* modality,
                          bool hasFrameOfReference)
  {
    DcmFileFormat reference;
    ASSERT_TRUE(reference.loadFile(MR_SMALL).good());
    DcmDataset& parent = *reference.getDataset();
    DcmDataset& d = *file.getDataset();
    DcmMetaInfo& meta = *file.getMetaInfo();

    // SOP Common and the file meta information
    EXPECT_EQ(sopClassUid, GetString(d, DCM_SOPClassUID));
    EXPECT_EQ(sopClassUid, GetString(meta, DCM_MediaStorageSOPClassUID));
    const std::string sop = GetString(d, DCM_SOPInstanceUID);
    EXPECT_TRUE(DicomUid::IsValid(sop)) << sop;
    EXPECT_EQ(sop, GetString(meta, DCM_MediaStorageSOPInstanceUID));
    EXPECT_NE(GetString(parent, DCM_SOPInstanceUID), sop);
    EXPECT_EQ(UID_LittleEndianExplicitTransferSyntax, GetString(meta, DCM_TransferSyntaxUID));
    EXPECT_EQ("ISO_IR 192", GetString(d, DCM_SpecificCharacterSet));

    // Patient and General Study, verbatim from the parent
    for (const DcmTagKey& tag : { DCM_PatientName, DCM_PatientID, DCM_PatientSex, DCM_StudyInstanceUID,
                                  DCM_StudyDate, DCM_StudyTime, DCM_StudyID })
    {
      EXPECT_NE("<absent>", GetString(parent, tag)) << tag.toString().c_str();
      EXPECT_EQ(GetString(parent, tag), GetString(d, tag)) << tag.toString().c_str();
    }
    EXPECT_EQ("4MR1", GetString(d, DCM_PatientID));
    // Type 2 attributes the parent has empty stay present and empty
    for (const DcmTagKey& tag : { DCM_PatientBirthDate, DCM_AccessionNumber, DCM_ReferringPhysicianName })
    {
      EXPECT_EQ("", GetString(d, tag)) << tag.toString().c_str();
    }

    // General Series
    EXPECT_EQ(modality, GetString(d, DCM_Modality));
    EXPECT_EQ(series.summary.seriesInstanceUid, GetString(d, DCM_SeriesInstanceUID));
    EXPECT_TRUE(DicomUid::IsValid(series.summary.seriesInstanceUid)) << series.summary.seriesInstanceUid;
    EXPECT_NE(GetString(parent, DCM_SeriesInstanceUID), series.summary.seriesInstanceUid);
    EXPECT_EQ(std::to_string(SERIES_NUMBER), GetString(d, DCM_SeriesNumber));
    EXPECT_EQ("IOD test", GetString(d, DCM_SeriesDescription));

    // Frame of Reference: a new one, since no reference series shares its own
    if (hasFrameOfReference)
    {
      const std::string frameOfReference = GetString(d, DCM_FrameOfReferenceUID);
      EXPECT_TRUE(DicomUid::IsValid(frameOfReference)) << frameOfReference;
      EXPECT_NE(GetString(parent, DCM_FrameOfReferenceUID), frameOfReference);
      EXPECT_EQ("", GetString(d, DCM_PositionReferenceIndicator));
    }
    else
    {
      EXPECT_EQ("<absent>", GetString(d, DCM_FrameOfReferenceUID));
      EXPECT_EQ("<absent>", GetString(d, DCM_PositionReferenceIndicator));
    }

    // General Equipment: this plugin, not the parent's scanner
    EXPECT_NE("<absent>", GetString(d, DCM_Manufacturer));
    EXPECT_NE(GetString(parent, DCM_Manufacturer), GetString(d, DCM_Manufacturer));
    EXPECT_EQ(0u, GetString(d, DCM_SoftwareVersions).find("Orthanc NIfTI-to-DICOM ")) << GetString(d, DCM_SoftwareVersions);
  }

  void CheckGrayscalePixelModule(DcmDataset& d, Uint16 bitsAllocated)
  {
    EXPECT_EQ(NY, GetUint16(d, DCM_Rows));
    EXPECT_EQ(NX, GetUint16(d, DCM_Columns));
    EXPECT_EQ(1, GetUint16(d, DCM_SamplesPerPixel));
    EXPECT_EQ("MONOCHROME2", GetString(d, DCM_PhotometricInterpretation));
    EXPECT_EQ(bitsAllocated, GetUint16(d, DCM_BitsAllocated));
  }

  void CheckRgbPixelModule(DcmDataset& d)
  {
    EXPECT_EQ(NY, GetUint16(d, DCM_Rows));
    EXPECT_EQ(NX, GetUint16(d, DCM_Columns));
    EXPECT_EQ(3, GetUint16(d, DCM_SamplesPerPixel));
    EXPECT_EQ("RGB", GetString(d, DCM_PhotometricInterpretation));
    EXPECT_EQ(0, GetUint16(d, DCM_PlanarConfiguration));
    EXPECT_EQ(8, GetUint16(d, DCM_BitsAllocated));
    EXPECT_EQ(8, GetUint16(d, DCM_BitsStored));
    EXPECT_EQ(7, GetUint16(d, DCM_HighBit));
    EXPECT_EQ(0, GetUint16(d, DCM_PixelRepresentation));
  }

  std::vector<double> DecodeRealPixels(DcmDataset& d, double slope, double intercept, size_t frames)
  {
    EXPECT_EQ(16, GetUint16(d, DCM_BitsAllocated));
    EXPECT_EQ(16, GetUint16(d, DCM_BitsStored));
    const bool isSigned = (GetUint16(d, DCM_PixelRepresentation) == 1);

    const Uint16* pixels = nullptr;
    unsigned long count = 0;
    EXPECT_TRUE(d.findAndGetUint16Array(DCM_PixelData, pixels, &count).good());
    EXPECT_EQ(static_cast<unsigned long>(NX * NY) * frames, count);

    std::vector<double> values;
    for (unsigned long i = 0; pixels != nullptr && i < count; i++)
    {
      const double p = isSigned ? static_cast<double>(static_cast<int16_t>(pixels[i])) : pixels[i];
      values.push_back(slope * p + intercept);
    }
    return values;
  }

  void CheckFunctionalGroups(DcmDataset& d, const std::vector<int64_t>& slices,
                             const std::vector<std::string>& dimensionIndexValues, unsigned long dimensions)
  {
    ASSERT_EQ(slices.size(), dimensionIndexValues.size());
    EXPECT_EQ(std::to_string(slices.size()), GetString(d, DCM_NumberOfFrames));

    // Multi-frame Dimension
    EXPECT_EQ(dimensions, CountItems(d, DCM_DimensionIndexSequence));
    DcmItem* organization = GetItem(d, DCM_DimensionOrganizationSequence);
    ASSERT_TRUE(organization != nullptr);
    const std::string organizationUid = GetString(*organization, DCM_DimensionOrganizationUID);
    EXPECT_TRUE(DicomUid::IsValid(organizationUid));
    for (unsigned long i = 0; i < dimensions; i++)
    {
      DcmItem* dimension = GetItem(d, DCM_DimensionIndexSequence, static_cast<int>(i));
      ASSERT_TRUE(dimension != nullptr);
      EXPECT_EQ(organizationUid, GetString(*dimension, DCM_DimensionOrganizationUID));
    }

    // Shared: Pixel Measures and Plane Orientation
    EXPECT_EQ(1u, CountItems(d, DCM_SharedFunctionalGroupsSequence));
    DcmItem* shared = GetItem(d, DCM_SharedFunctionalGroupsSequence);
    ASSERT_TRUE(shared != nullptr);
    DcmItem* measures = GetItem(*shared, DCM_PixelMeasuresSequence);
    ASSERT_TRUE(measures != nullptr);
    ExpectDecimals(PIXEL_SPACING, *measures, DCM_PixelSpacing, 1e-6);
    ExpectDecimals({ SLICE_SPACING }, *measures, DCM_SliceThickness, 1e-6);
    // Plane Orientation: shared, or in every frame (where it keeps dcm2niix
    // from reordering 4D frames), never both
    DcmItem* sharedOrientation = GetItem(*shared, DCM_PlaneOrientationSequence);
    if (sharedOrientation != nullptr)
    {
      ExpectDecimals(ORIENTATION, *sharedOrientation, DCM_ImageOrientationPatient, 1e-9);
    }

    // Per frame: Frame Content and Plane Position
    ASSERT_EQ(slices.size(), CountItems(d, DCM_PerFrameFunctionalGroupsSequence));
    for (size_t f = 0; f < slices.size(); f++)
    {
      SCOPED_TRACE("frame " + std::to_string(f));
      DcmItem* perFrame = GetItem(d, DCM_PerFrameFunctionalGroupsSequence, static_cast<int>(f));
      ASSERT_TRUE(perFrame != nullptr);
      DcmItem* content = GetItem(*perFrame, DCM_FrameContentSequence);
      ASSERT_TRUE(content != nullptr);
      EXPECT_EQ(dimensionIndexValues[f], GetString(*content, DCM_DimensionIndexValues));
      DcmItem* orientation = GetItem(*perFrame, DCM_PlaneOrientationSequence);
      ASSERT_TRUE((orientation == nullptr) != (sharedOrientation == nullptr)) << "orientation shared xor per frame";
      if (orientation != nullptr)
      {
        ExpectDecimals(ORIENTATION, *orientation, DCM_ImageOrientationPatient, 1e-9);
      }
      DcmItem* position = GetItem(*perFrame, DCM_PlanePositionSequence);
      ASSERT_TRUE(position != nullptr);
      ExpectDecimals(ExpectedPosition(slices[f]), *position, DCM_ImagePositionPatient, 1e-5);
      // Per-frame attributes stay in their groups
      EXPECT_EQ("<absent>", GetString(*perFrame, DCM_ImagePositionPatient));
    }
    EXPECT_EQ("<absent>", GetString(d, DCM_ImagePositionPatient));
    EXPECT_EQ("<absent>", GetString(d, DCM_ImageOrientationPatient));
  }

  void ListVolumeFrames(std::vector<int64_t>& slices, std::vector<int64_t>& timePoints,
                        std::vector<std::string>& dimensionIndexValues, int64_t nt)
  {
    for (int64_t t = 0; t < nt; t++)
    {
      for (int64_t k = 0; k < NZ; k++)
      {
        slices.push_back(k);
        timePoints.push_back(t);
        // Stack, position in the stack, temporal position (4D)
        dimensionIndexValues.push_back("1\\" + std::to_string(k + 1) +
                                       (nt > 1 ? "\\" + std::to_string(t + 1) : std::string()));
      }
    }
  }

  void CheckRgbPixels(DcmDataset& d, const std::vector<int64_t>& slices, const std::vector<int64_t>& timePoints)
  {
    const Uint8* bytes = nullptr;
    unsigned long count = 0;
    ASSERT_TRUE(d.findAndGetUint8Array(DCM_PixelData, bytes, &count).good());
    const size_t frameBytes = static_cast<size_t>(NX * NY * 3);
    const size_t total = frameBytes * slices.size();
    EXPECT_EQ(total + (total % 2), count);   // padded to an even length
    ASSERT_GE(count, total);
    for (size_t f = 0; f < slices.size(); f++)
    {
      for (int64_t r = 0; r < NY; r++)
      {
        for (int64_t c = 0; c < NX; c++)
        {
          for (int channel = 0; channel < 3; channel++)
          {
            ASSERT_EQ(RgbValue(c, NY - 1 - r, slices[f], timePoints[f], channel),
                      bytes[f * frameBytes + static_cast<size_t>((r * NX + c) * 3 + channel)])
              << "frame " << f << ", pixel (c=" << c << ", r=" << r << "), channel " << channel;
          }
        }
      }
    }
  }
}
