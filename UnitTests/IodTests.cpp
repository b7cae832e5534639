// Each IOD of Sources/Iod/, seen from outside: a small series is converted
// through SeriesConverter, every file is parsed back by DCMTK, and the
// modules the IOD requires are checked against values computed here from the
// test volumes. The Segmentation and the Parametric Map are also read by
// DCMTK's own dcmseg and dcmpmap, and one file of each IOD goes through
// dciodvfy (dicom3tools) when it is installed.

#include "Conversion/SeriesConverter.h"
#include "Dicom/DicomUid.h"
#include "NiftiTestFile.h"
#include "TestHelpers.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmpmap/dpmparametricmapiod.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <unistd.h>

using namespace NiftiToDicom;
using namespace NiftiTest;

namespace
{
  // Odd sizes on purpose: an RGB frame (45 bytes) or a 1-bit frame (15 bits)
  // does not end on an even byte boundary
  const int64_t NX = 5, NY = 3, NZ = 4, NT = 2;
  const int SERIES_NUMBER = 17;

  // An affine that swaps the in-plane axes, so that a mix-up of rows and
  // columns or a missing flip shows: voxel (i, j, k) is at
  // RAS (5 - 1.3 j, -8 + 0.7 i, 12 + 2.5 k)
  const double AFFINE[3][4] = { { 0, -1.3, 0, 5 }, { 0.7, 0, 0, -8 }, { 0, 0, 2.5, 12 } };

  // Pixel (c, r) of slice k is voxel (c, NY-1-r, k), in LPS: the column index
  // grows along -y, the row index along -x
  const std::vector<double> ORIENTATION = { 0, -1, 0, -1, 0, 0 };
  const std::vector<double> PIXEL_SPACING = { 1.3, 0.7 };   // [between rows, between columns]
  const double SLICE_SPACING = 2.5;

  // ImagePositionPatient of slice k: voxel (0, NY-1, k) in LPS
  std::vector<double> ExpectedPosition(int64_t k)
  {
    return { -(5 - 1.3 * static_cast<double>(NY - 1)), 8, 12 + 2.5 * static_cast<double>(k) };
  }

  // Position along the normal (row direction x column direction = (0, 0, -1))
  double ExpectedSliceLocation(int64_t k)
  {
    return -(12 + 2.5 * static_cast<double>(k));
  }

  size_t VoxelIndex(int64_t i, int64_t j, int64_t k, int64_t t)
  {
    return static_cast<size_t>(i + NX * (j + NY * (k + NZ * t)));
  }

  std::vector<int64_t> Dims(int64_t nt)
  {
    if (nt == 1)
    {
      return { NX, NY, NZ };
    }
    return { NX, NY, NZ, nt };
  }

  void SetGeometry(NiftiTestFile& f)
  {
    f.SetSform(1, AFFINE);
    f.pixdim[4] = 2;        // TR
    f.xyztUnits = 2 | 8;    // mm, s
  }


  // --- The test volumes ------------------------------------------------------

  int16_t Int16Value(int64_t i, int64_t j, int64_t k, int64_t t)
  {
    return static_cast<int16_t>(1000 * t + 100 * k + 10 * j + i - 500);
  }

  std::string MakeInt16Nifti(int64_t nt)
  {
    NiftiTestFile f(1, Dims(nt), DT_INT16);
    std::vector<int16_t> values(static_cast<size_t>(NX * NY * NZ * nt));
    for (int64_t t = 0; t < nt; t++)
    {
      for (int64_t k = 0; k < NZ; k++)
      {
        for (int64_t j = 0; j < NY; j++)
        {
          for (int64_t i = 0; i < NX; i++)
          {
            values[VoxelIndex(i, j, k, t)] = Int16Value(i, j, k, t);
          }
        }
      }
    }
    f.SetVoxels(values);
    SetGeometry(f);
    return f.Build();
  }

  // Channel 0, 1, 2 (red, green, blue) of an RGB24 voxel
  uint8_t RgbValue(int64_t i, int64_t j, int64_t k, int64_t t, int channel)
  {
    return static_cast<uint8_t>((70 * channel + 40 * i + 50 * j + 13 * k + 100 * t) % 256);
  }

  std::string MakeRgbNifti(int64_t nt)
  {
    NiftiTestFile f(2, Dims(nt), DT_RGB24);
    std::vector<uint8_t> values(static_cast<size_t>(NX * NY * NZ * nt * 3));
    for (int64_t t = 0; t < nt; t++)
    {
      for (int64_t k = 0; k < NZ; k++)
      {
        for (int64_t j = 0; j < NY; j++)
        {
          for (int64_t i = 0; i < NX; i++)
          {
            for (int channel = 0; channel < 3; channel++)
            {
              values[VoxelIndex(i, j, k, t) * 3 + channel] = RgbValue(i, j, k, t, channel);
            }
          }
        }
      }
    }
    f.SetVoxels(values);
    SetGeometry(f);
    return f.Build();
  }

  // Values no 16-bit quantisation keeps, one NaN, one denormal
  const size_t NAN_VOXEL = 7;
  const size_t DENORMAL_VOXEL = 11;

  std::vector<float> MakeFloat32Values(int64_t nt)
  {
    std::vector<float> values(static_cast<size_t>(NX * NY * NZ * nt));
    for (size_t i = 0; i < values.size(); i++)
    {
      values[i] = static_cast<float>(std::sin(static_cast<double>(i) * 0.37) * 1234.5678 / 7.0);
    }
    values[NAN_VOXEL] = std::numeric_limits<float>::quiet_NaN();
    values[DENORMAL_VOXEL] = std::numeric_limits<float>::denorm_min();
    return values;
  }

  // Values that float32 would round, one NaN
  std::vector<double> MakeFloat64Values(int64_t nt)
  {
    std::vector<double> values(static_cast<size_t>(NX * NY * NZ * nt));
    for (size_t i = 0; i < values.size(); i++)
    {
      values[i] = (static_cast<double>(i) + 1) / 3.0 - 20 + 1e-12 * static_cast<double>(i);
    }
    values[NAN_VOXEL] = std::numeric_limits<double>::quiet_NaN();
    return values;
  }

  template <typename T>
  std::string MakeFloatNifti(const std::vector<T>& values, int datatype, int64_t nt)
  {
    NiftiTestFile f(1, Dims(nt), datatype);
    f.SetVoxels(values);
    SetGeometry(f);
    return f.Build();
  }

  // The label map: label 1 grows from slice to slice, 3 is on the last two
  // slices only, 7 is one voxel of slice 1
  int LabelValue(int64_t i, int64_t j, int64_t k)
  {
    if (i < 2 && j <= k)
    {
      return 1;
    }
    if (i == 4 && k >= 2)
    {
      return 3;
    }
    if (i == 2 && j == 0 && k == 1)
    {
      return 7;
    }
    return 0;
  }

  // "nx" columns (at least 5), NY rows, NZ slices
  std::string MakeLabelNifti(int64_t nx, int64_t nt)
  {
    std::vector<int64_t> dims = Dims(nt);
    dims[0] = nx;
    NiftiTestFile f(1, dims, DT_UINT8);
    std::vector<uint8_t> values(static_cast<size_t>(nx * NY * NZ * nt));
    for (int64_t t = 0; t < nt; t++)
    {
      for (int64_t k = 0; k < NZ; k++)
      {
        for (int64_t j = 0; j < NY; j++)
        {
          for (int64_t i = 0; i < nx; i++)
          {
            values[static_cast<size_t>(i + nx * (j + NY * (k + NZ * t)))] = static_cast<uint8_t>(LabelValue(i, j, k));
          }
        }
      }
    }
    f.SetVoxels(values);
    SetGeometry(f);
    f.intentCode = 1002;   // NIFTI_INTENT_LABEL
    return f.Build();
  }

  const std::vector<int> LABELS = { 1, 3, 7 };   // segment numbers 1, 2, 3

  std::map<int64_t, SegmentLabel> MakeSegmentLabels()
  {
    std::map<int64_t, SegmentLabel> labels;
    labels[1].name = "Liver";
    labels[1].hasColor = true;
    labels[1].color[0] = 255;   // pure sRGB red
    labels[7].name = "Spleen";
    return labels;   // 3 has no entry: named after its value
  }

  struct SegmentFrame
  {
    int     segment;   // 1-based
    int64_t k;
  };

  // Segment by segment, the slices where the segment's label appears (the
  // same for any width from 5 on)
  std::vector<SegmentFrame> ExpectedSegmentFrames()
  {
    std::vector<SegmentFrame> frames;
    for (size_t s = 0; s < LABELS.size(); s++)
    {
      for (int64_t k = 0; k < NZ; k++)
      {
        bool present = false;
        for (int64_t j = 0; j < NY; j++)
        {
          for (int64_t i = 0; i < NX; i++)
          {
            present = present || LabelValue(i, j, k) == LABELS[s];
          }
        }
        if (present)
        {
          frames.push_back({ static_cast<int>(s + 1), k });
        }
      }
    }
    return frames;
  }


  // --- Conversion ---------------------------------------------------------

  struct Series
  {
    CollectingSink     sink;
    ConversionSummary  summary;
  };

  std::unique_ptr<Series> Convert(std::string nifti, SeriesOptions&& options)
  {
    const ParentStudyTags parent = LoadParent(MR_SMALL);
    const NiftiVolume volume(std::move(nifti), 1 << 20);
    std::unique_ptr<Series> series(new Series);
    options.seriesNumber = SERIES_NUMBER;
    options.seriesDescription = "IOD test";
    series->summary = SeriesConverter::Convert(volume, parent, std::move(options), series->sink);
    for (const auto& file : series->sink.files)
    {
      if (file == nullptr)
      {
        return nullptr;   // ParseDicom has reported it
      }
    }
    return series;
  }

  SeriesOptions Options(IodType iod, Modality modality = Modality::MR)
  {
    SeriesOptions options;
    options.iod = iod;
    options.modality = modality;
    return options;
  }


  // --- Checks -------------------------------------------------------------

  void ExpectDecimals(const std::vector<double>& expected, DcmItem& item, const DcmTagKey& tag, double tolerance)
  {
    const std::vector<double> actual = GetDecimals(item, tag);
    ASSERT_EQ(expected.size(), actual.size()) << tag.toString().c_str() << ": " << GetString(item, tag);
    for (size_t i = 0; i < expected.size(); i++)
    {
      EXPECT_NEAR(expected[i], actual[i], tolerance) << tag.toString().c_str() << " value " << i;
    }
  }

  DcmItem* GetItem(DcmItem& item, const DcmTagKey& sequence, int index = 0)
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

  // SOP Common, Patient and General Study (from the parent), General Series,
  // Frame of Reference and General Equipment: what every IOD has
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

  // The 16-bit pixels of "frames" frames, as real values (rescale applied)
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

  // The functional groups of a multi-frame instance whose frame f shows
  // slice slices[f], with the Dimension Index Values dimensionIndexValues[f]
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
    DcmItem* orientation = GetItem(*shared, DCM_PlaneOrientationSequence);
    ASSERT_TRUE(orientation != nullptr);
    ExpectDecimals(ORIENTATION, *orientation, DCM_ImageOrientationPatient, 1e-9);

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
      DcmItem* position = GetItem(*perFrame, DCM_PlanePositionSequence);
      ASSERT_TRUE(position != nullptr);
      ExpectDecimals(ExpectedPosition(slices[f]), *position, DCM_ImagePositionPatient, 1e-5);
      // Per-frame attributes stay in their groups
      EXPECT_EQ("<absent>", GetString(*perFrame, DCM_ImagePositionPatient));
    }
    EXPECT_EQ("<absent>", GetString(d, DCM_ImagePositionPatient));
    EXPECT_EQ("<absent>", GetString(d, DCM_ImageOrientationPatient));
  }

  // Frames of a non-segmentation multi-frame IOD: every slice of every time
  // point, time-major, indexed [temporal position,] slice
  void ListVolumeFrames(std::vector<int64_t>& slices, std::vector<int64_t>& timePoints,
                        std::vector<std::string>& dimensionIndexValues, int64_t nt)
  {
    for (int64_t t = 0; t < nt; t++)
    {
      for (int64_t k = 0; k < NZ; k++)
      {
        slices.push_back(k);
        timePoints.push_back(t);
        dimensionIndexValues.push_back(nt > 1 ? std::to_string(t + 1) + "\\" + std::to_string(k + 1) :
                                       std::to_string(k + 1));
      }
    }
  }

  void CheckEnhancedMrModules(DcmDataset& d, const char* pixelPresentation, int64_t nt)
  {
    EXPECT_EQ("DERIVED\\PRIMARY\\VOLUME\\NONE", GetString(d, DCM_ImageType));
    EXPECT_EQ(pixelPresentation, GetString(d, DCM_PixelPresentation));
    EXPECT_EQ("VOLUME", GetString(d, DCM_VolumetricProperties));
    EXPECT_EQ("1", GetString(d, DCM_InstanceNumber));
    EXPECT_EQ(nt > 1 ? "3D_TEMPORAL" : "3D", GetString(d, DCM_DimensionOrganizationType));
    EXPECT_EQ("Orthanc NIfTI-to-DICOM", GetString(d, DCM_Manufacturer));   // Enhanced General Equipment: Type 1
    EXPECT_NE("<absent>", GetString(d, DCM_ManufacturerModelName));
    EXPECT_NE("<absent>", GetString(d, DCM_DeviceSerialNumber));

    DcmItem* shared = GetItem(d, DCM_SharedFunctionalGroupsSequence);
    ASSERT_TRUE(shared != nullptr);
    DcmItem* frameType = GetItem(*shared, DCM_MRImageFrameTypeSequence);
    ASSERT_TRUE(frameType != nullptr);
    EXPECT_EQ("DERIVED\\PRIMARY\\VOLUME\\NONE", GetString(*frameType, DCM_FrameType));
    EXPECT_EQ(pixelPresentation, GetString(*frameType, DCM_PixelPresentation));

    // Temporal Position Index in Frame Content of 4D series only
    for (int64_t f = 0; f < NZ * nt; f++)
    {
      DcmItem* perFrame = GetItem(d, DCM_PerFrameFunctionalGroupsSequence, static_cast<int>(f));
      ASSERT_TRUE(perFrame != nullptr);
      DcmItem* content = GetItem(*perFrame, DCM_FrameContentSequence);
      ASSERT_TRUE(content != nullptr);
      EXPECT_EQ(nt > 1 ? std::to_string(f / NZ + 1) : "<absent>", GetString(*content, DCM_TemporalPositionIndex));
      EXPECT_EQ(std::to_string(f % NZ + 1), GetString(*content, DCM_InStackPositionNumber));
    }
  }

  // The RGB bytes of "frames" frames; frame f shows slice slices[f] of time point timePoints[f]
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


// --- Classic images: one instance per slice and time point -------------------

namespace
{
  void CheckClassicSeries(IodType iod, Modality modality, int64_t nt)
  {
    SCOPED_TRACE(nt == 1 ? "3D" : "4D");
    const bool ct = (iod == IodType::CtImage);
    std::unique_ptr<Series> series = Convert(MakeInt16Nifti(nt), Options(iod, modality));
    ASSERT_TRUE(series != nullptr);
    ASSERT_EQ(static_cast<size_t>(NZ * nt), series->sink.files.size());
    EXPECT_EQ(NZ * nt, series->summary.instancesCount);

    std::set<std::string> sopInstanceUids, frameOfReferenceUids;
    for (int64_t t = 0; t < nt; t++)
    {
      for (int64_t k = 0; k < NZ; k++)
      {
        SCOPED_TRACE("k=" + std::to_string(k) + ", t=" + std::to_string(t));
        const size_t index = static_cast<size_t>(t * NZ + k);
        DcmDataset& d = series->sink.Get(index);
        CheckCommonModules(*series->sink.files[index], *series, ct ? UID_CTImageStorage : UID_MRImageStorage,
                           ct ? "CT" : "MR", true);
        sopInstanceUids.insert(GetString(d, DCM_SOPInstanceUID));
        frameOfReferenceUids.insert(GetString(d, DCM_FrameOfReferenceUID));

        // General Image
        EXPECT_EQ(std::to_string(index + 1), GetString(d, DCM_InstanceNumber));
        EXPECT_EQ(ct ? "DERIVED\\SECONDARY\\AXIAL" : "DERIVED\\SECONDARY\\OTHER", GetString(d, DCM_ImageType));
        EXPECT_EQ(nt > 1 ? std::to_string(t + 1) : "<absent>", GetString(d, DCM_TemporalPositionIdentifier));
        EXPECT_EQ(nt > 1 ? std::to_string(nt) : "<absent>", GetString(d, DCM_NumberOfTemporalPositions));

        // Image Plane
        ExpectDecimals(ORIENTATION, d, DCM_ImageOrientationPatient, 1e-9);
        ExpectDecimals(ExpectedPosition(k), d, DCM_ImagePositionPatient, 1e-5);
        ExpectDecimals(PIXEL_SPACING, d, DCM_PixelSpacing, 1e-6);
        ExpectDecimals({ SLICE_SPACING }, d, DCM_SliceThickness, 1e-6);
        ExpectDecimals({ ExpectedSliceLocation(k) }, d, DCM_SliceLocation, 1e-5);

        // Modality module
        if (ct)
        {
          EXPECT_EQ("US", GetString(d, DCM_RescaleType));
          EXPECT_EQ(1u, GetDecimals(d, DCM_RescaleSlope).size());   // Type 1 in CT Image
          EXPECT_EQ(1u, GetDecimals(d, DCM_RescaleIntercept).size());
          EXPECT_EQ("<absent>", GetString(d, DCM_ScanningSequence));
        }
        else
        {
          EXPECT_EQ("RM", GetString(d, DCM_ScanningSequence));
          // pixdim[4] is the TR of a time series only: unknown (Type 2, empty) for one volume
          if (nt > 1)
          {
            ExpectDecimals({ 2000 }, d, DCM_RepetitionTime, 1e-6);
          }
          else
          {
            EXPECT_EQ("", GetString(d, DCM_RepetitionTime));
          }
          EXPECT_EQ("<absent>", GetString(d, DCM_RescaleType));
        }

        // Image Pixel
        CheckGrayscalePixelModule(d, 16);
        EXPECT_EQ(1, GetUint16(d, DCM_PixelRepresentation));   // int16 stays signed
        const std::vector<double> slope = GetDecimals(d, DCM_RescaleSlope);
        const std::vector<double> intercept = GetDecimals(d, DCM_RescaleIntercept);
        const std::vector<double> pixels = DecodeRealPixels(d, slope.empty() ? 1 : slope[0],
                                                            intercept.empty() ? 0 : intercept[0], 1);
        ASSERT_EQ(static_cast<size_t>(NX * NY), pixels.size());
        for (int64_t r = 0; r < NY; r++)
        {
          for (int64_t c = 0; c < NX; c++)
          {
            EXPECT_EQ(Int16Value(c, NY - 1 - r, k, t), pixels[static_cast<size_t>(r * NX + c)])
              << "pixel (c=" << c << ", r=" << r << ")";
          }
        }
      }
    }
    EXPECT_EQ(static_cast<size_t>(NZ * nt), sopInstanceUids.size());
    EXPECT_EQ(1u, frameOfReferenceUids.size());
  }
}


TEST(MrImageIod, ThreeAndFourDimensionalSeries)
{
  CheckClassicSeries(IodType::MrImage, Modality::MR, 1);
  CheckClassicSeries(IodType::MrImage, Modality::MR, NT);
}


TEST(CtImageIod, ThreeAndFourDimensionalSeries)
{
  CheckClassicSeries(IodType::CtImage, Modality::CT, 1);
  CheckClassicSeries(IodType::CtImage, Modality::CT, NT);
}


// --- Enhanced MR Image --------------------------------------------------------

TEST(EnhancedMrImageIod, ThreeAndFourDimensionalSeries)
{
  for (int64_t nt : { int64_t(1), NT })
  {
    SCOPED_TRACE(nt == 1 ? "3D" : "4D");
    std::unique_ptr<Series> series = Convert(MakeInt16Nifti(nt), Options(IodType::EnhancedMrImage));
    ASSERT_TRUE(series != nullptr);
    ASSERT_EQ(1u, series->sink.files.size());
    EXPECT_EQ(1, series->summary.instancesCount);
    DcmDataset& d = series->sink.Get(0);

    CheckCommonModules(*series->sink.files[0], *series, UID_EnhancedMRImageStorage, "MR", true);
    CheckGrayscalePixelModule(d, 16);
    CheckEnhancedMrModules(d, "MONOCHROME", nt);

    std::vector<int64_t> slices, timePoints;
    std::vector<std::string> indexValues;
    ListVolumeFrames(slices, timePoints, indexValues, nt);
    CheckFunctionalGroups(d, slices, indexValues, nt > 1 ? 2 : 1);

    // Pixel Value Transformation, shared
    DcmItem* shared = GetItem(d, DCM_SharedFunctionalGroupsSequence);
    ASSERT_TRUE(shared != nullptr);
    DcmItem* transformation = GetItem(*shared, DCM_PixelValueTransformationSequence);
    ASSERT_TRUE(transformation != nullptr);
    const std::vector<double> slope = GetDecimals(*transformation, DCM_RescaleSlope);
    const std::vector<double> intercept = GetDecimals(*transformation, DCM_RescaleIntercept);
    ASSERT_EQ(1u, slope.size());
    ASSERT_EQ(1u, intercept.size());
    EXPECT_EQ("<absent>", GetString(d, DCM_RescaleSlope));   // not at the top level of an enhanced image

    const std::vector<double> pixels = DecodeRealPixels(d, slope[0], intercept[0], slices.size());
    ASSERT_EQ(static_cast<size_t>(NX * NY) * slices.size(), pixels.size());
    for (size_t f = 0; f < slices.size(); f++)
    {
      for (int64_t r = 0; r < NY; r++)
      {
        for (int64_t c = 0; c < NX; c++)
        {
          EXPECT_EQ(Int16Value(c, NY - 1 - r, slices[f], timePoints[f]),
                    pixels[f * NX * NY + static_cast<size_t>(r * NX + c)])
            << "frame " << f << ", pixel (c=" << c << ", r=" << r << ")";
        }
      }
    }
  }
}


// --- Enhanced MR Color Image --------------------------------------------------

TEST(EnhancedMrColorImageIod, ThreeAndFourDimensionalSeries)
{
  for (int64_t nt : { int64_t(1), NT })
  {
    SCOPED_TRACE(nt == 1 ? "3D" : "4D");
    std::unique_ptr<Series> series = Convert(MakeRgbNifti(nt), Options(IodType::EnhancedMrColorImage));
    ASSERT_TRUE(series != nullptr);
    ASSERT_EQ(1u, series->sink.files.size());
    DcmDataset& d = series->sink.Get(0);

    CheckCommonModules(*series->sink.files[0], *series, UID_EnhancedMRColorImageStorage, "MR", true);
    CheckRgbPixelModule(d);
    CheckEnhancedMrModules(d, "TRUE_COLOR", nt);

    // ICC Profile module: sRGB
    EXPECT_EQ("SRGB", GetString(d, DCM_ColorSpace));
    const Uint8* profile = nullptr;
    unsigned long profileSize = 0;
    ASSERT_TRUE(d.findAndGetUint8Array(DCM_ICCProfile, profile, &profileSize).good());
    ASSERT_GE(profileSize, 128u);
    EXPECT_EQ("acsp", std::string(reinterpret_cast<const char*>(profile) + 36, 4));   // ICC signature

    std::vector<int64_t> slices, timePoints;
    std::vector<std::string> indexValues;
    ListVolumeFrames(slices, timePoints, indexValues, nt);
    CheckFunctionalGroups(d, slices, indexValues, nt > 1 ? 2 : 1);
    CheckRgbPixels(d, slices, timePoints);
  }
}


// --- Multi-frame True Color Secondary Capture ---------------------------------

TEST(TrueColorSecondaryCaptureIod, ThreeAndFourDimensionalSeries)
{
  for (int64_t nt : { int64_t(1), NT })
  {
    SCOPED_TRACE(nt == 1 ? "3D" : "4D");
    std::unique_ptr<Series> series = Convert(MakeRgbNifti(nt), Options(IodType::TrueColorSecondaryCapture));
    ASSERT_TRUE(series != nullptr);
    ASSERT_EQ(1u, series->sink.files.size());
    DcmDataset& d = series->sink.Get(0);

    // No Frame of Reference: the IOD has no place for the geometry
    CheckCommonModules(*series->sink.files[0], *series, UID_MultiframeTrueColorSecondaryCaptureImageStorage, "OT",
                       false);
    CheckRgbPixelModule(d);
    EXPECT_EQ("WSD", GetString(d, DCM_ConversionType));
    EXPECT_EQ("DERIVED\\SECONDARY", GetString(d, DCM_ImageType));
    EXPECT_EQ(std::to_string(NZ * nt), GetString(d, DCM_NumberOfFrames));
    for (const DcmTagKey& tag : { DCM_ImagePositionPatient, DCM_ImageOrientationPatient,
                                  DCM_SharedFunctionalGroupsSequence, DCM_PerFrameFunctionalGroupsSequence })
    {
      EXPECT_EQ("<absent>", GetString(d, tag)) << tag.toString().c_str();
    }

    // What is left of the geometry: where each frame lies along the normal
    EXPECT_EQ(DcmTagKey(DCM_SliceLocationVector).toString().c_str(), GetString(d, DCM_FrameIncrementPointer));
    std::vector<double> locations;
    std::vector<int64_t> slices, timePoints;
    std::vector<std::string> indexValues;
    ListVolumeFrames(slices, timePoints, indexValues, nt);
    for (int64_t k : slices)
    {
      locations.push_back(ExpectedSliceLocation(k));
    }
    ExpectDecimals(locations, d, DCM_SliceLocationVector, 1e-5);

    CheckRgbPixels(d, slices, timePoints);
  }
}


// --- Parametric Map -----------------------------------------------------------

namespace
{
  // Frame f of the map holds slice slices[f] of time point timePoints[f]:
  // pixel (c, r) is voxel (c, NY-1-r). Returns how many NaN it found where expected.
  template <typename Stored, typename Source>
  size_t ExpectExactFrames(const Stored* pixels, size_t count, const std::vector<Source>& voxels,
                           const std::vector<int64_t>& slices, const std::vector<int64_t>& timePoints)
  {
    size_t nanCount = 0;
    EXPECT_EQ(static_cast<size_t>(NX * NY) * slices.size(), count);
    if (static_cast<size_t>(NX * NY) * slices.size() != count)
    {
      return nanCount;
    }
    for (size_t f = 0; f < slices.size(); f++)
    {
      for (int64_t r = 0; r < NY; r++)
      {
        for (int64_t c = 0; c < NX; c++)
        {
          const Stored expected = static_cast<Stored>(voxels[VoxelIndex(c, NY - 1 - r, slices[f], timePoints[f])]);
          const Stored actual = pixels[f * NX * NY + static_cast<size_t>(r * NX + c)];
          if (std::isnan(expected))
          {
            EXPECT_TRUE(std::isnan(actual)) << "frame " << f << ", pixel (c=" << c << ", r=" << r << ")";
            nanCount++;
          }
          else
          {
            // Exact: the same bits, not merely close
            EXPECT_EQ(expected, actual) << "frame " << f << ", pixel (c=" << c << ", r=" << r << ")";
          }
        }
      }
    }
    return nanCount;
  }

  template <typename Source>
  void FiniteRange(double& minValue, double& maxValue, const std::vector<Source>& voxels)
  {
    minValue = std::numeric_limits<double>::infinity();
    maxValue = -std::numeric_limits<double>::infinity();
    for (Source v : voxels)
    {
      if (std::isfinite(v))
      {
        minValue = std::min(minValue, static_cast<double>(v));
        maxValue = std::max(maxValue, static_cast<double>(v));
      }
    }
  }

  // A Parametric Map of "voxels", stored as "Stored" (Float32 or Float64)
  template <typename Stored, typename Source>
  void CheckParametricMap(const std::vector<Source>& voxels, int datatype, int64_t nt, Modality modality)
  {
    const bool isDouble = (sizeof(Stored) == 8);
    SeriesOptions options = Options(IodType::ParametricMap, modality);
    options.doublePrecision = isDouble;
    options.units = { "mm2/s", "UCUM", "square millimeter per second" };
    options.quantity = { "113041", "DCM", "Apparent Diffusion Coefficient" };
    std::unique_ptr<Series> series = Convert(MakeFloatNifti(voxels, datatype, nt), std::move(options));
    ASSERT_TRUE(series != nullptr);
    ASSERT_EQ(1u, series->sink.files.size());
    DcmDataset& d = series->sink.Get(0);

    CheckCommonModules(*series->sink.files[0], *series, UID_ParametricMapStorage,
                       modality == Modality::CT ? "CT" : "MR", true);
    CheckGrayscalePixelModule(d, isDouble ? 64 : 32);
    EXPECT_EQ("DERIVED\\PRIMARY\\VOLUME\\NONE", GetString(d, DCM_ImageType));
    EXPECT_EQ("MAP", GetString(d, DCM_ContentLabel));
    EXPECT_EQ("<absent>", GetString(d, DCM_PixelData));
    EXPECT_EQ("<absent>", GetString(d, DCM_BitsStored));   // float pixels have no Bits Stored

    std::vector<int64_t> slices, timePoints;
    std::vector<std::string> indexValues;
    ListVolumeFrames(slices, timePoints, indexValues, nt);
    CheckFunctionalGroups(d, slices, indexValues, nt > 1 ? 2 : 1);

    // Real World Value Mapping: identity over the finite values, with the units
    DcmItem* shared = GetItem(d, DCM_SharedFunctionalGroupsSequence);
    ASSERT_TRUE(shared != nullptr);
    DcmItem* mapping = GetItem(*shared, DCM_RealWorldValueMappingSequence);
    ASSERT_TRUE(mapping != nullptr);
    double minValue, maxValue;
    FiniteRange(minValue, maxValue, voxels);
    Float64 first = 0, last = 0, slope = 0, intercept = 1;
    EXPECT_TRUE(mapping->findAndGetFloat64(DCM_DoubleFloatRealWorldValueFirstValueMapped, first).good());
    EXPECT_TRUE(mapping->findAndGetFloat64(DCM_DoubleFloatRealWorldValueLastValueMapped, last).good());
    EXPECT_TRUE(mapping->findAndGetFloat64(DCM_RealWorldValueSlope, slope).good());
    EXPECT_TRUE(mapping->findAndGetFloat64(DCM_RealWorldValueIntercept, intercept).good());
    EXPECT_EQ(minValue, first);
    EXPECT_EQ(maxValue, last);
    EXPECT_EQ(1, slope);
    EXPECT_EQ(0, intercept);
    DcmItem* units = GetItem(*mapping, DCM_MeasurementUnitsCodeSequence);
    ASSERT_TRUE(units != nullptr);
    EXPECT_EQ("mm2/s", GetString(*units, DCM_CodeValue));
    EXPECT_EQ("UCUM", GetString(*units, DCM_CodingSchemeDesignator));
    DcmItem* quantity = GetItem(*mapping, DCM_QuantityDefinitionSequence);
    ASSERT_TRUE(quantity != nullptr);
    DcmItem* concept = GetItem(*quantity, DCM_ConceptCodeSequence);
    ASSERT_TRUE(concept != nullptr);
    EXPECT_EQ("113041", GetString(*concept, DCM_CodeValue));

    DcmItem* transformation = GetItem(*shared, DCM_PixelValueTransformationSequence);
    ASSERT_TRUE(transformation != nullptr);
    ExpectDecimals({ 1 }, *transformation, DCM_RescaleSlope, 0);
    ExpectDecimals({ 0 }, *transformation, DCM_RescaleIntercept, 0);
    DcmItem* frameType = GetItem(*shared, DCM_ParametricMapFrameTypeSequence);
    ASSERT_TRUE(frameType != nullptr);
    EXPECT_EQ("DERIVED\\PRIMARY\\VOLUME\\NONE", GetString(*frameType, DCM_FrameType));

    // The one NaN voxel is a NaN pixel, wherever it is
    const size_t expectedNanCount = static_cast<size_t>(
      std::count_if(voxels.begin(), voxels.end(), [](Source v) { return std::isnan(v); }));
    unsigned long count = 0;
    if (isDouble)
    {
      EXPECT_EQ("<absent>", GetString(d, DCM_FloatPixelData));
      const Float64* pixels = nullptr;
      ASSERT_TRUE(d.findAndGetFloat64Array(DCM_DoubleFloatPixelData, pixels, &count).good());
      EXPECT_EQ(expectedNanCount,
                ExpectExactFrames(reinterpret_cast<const Stored*>(pixels), count, voxels, slices, timePoints));
    }
    else
    {
      EXPECT_EQ("<absent>", GetString(d, DCM_DoubleFloatPixelData));
      const Float32* pixels = nullptr;
      ASSERT_TRUE(d.findAndGetFloat32Array(DCM_FloatPixelData, pixels, &count).good());
      EXPECT_EQ(expectedNanCount,
                ExpectExactFrames(reinterpret_cast<const Stored*>(pixels), count, voxels, slices, timePoints));
    }

    // dcmpmap, DCMTK's own model of the IOD, reads the same frames
    std::unique_ptr<DcmFileFormat> copy = ParseDicom(series->sink.buffers[0]);
    ASSERT_TRUE(copy != nullptr);
    OFvariant<OFCondition, DPMParametricMapIOD*> loaded = DPMParametricMapIOD::loadDataset(*copy->getDataset());
    if (OFCondition* error = OFget<OFCondition>(&loaded))
    {
      FAIL() << "dcmpmap cannot load the Parametric Map: " << error->text();
    }
    std::unique_ptr<DPMParametricMapIOD> map(*OFget<DPMParametricMapIOD*>(&loaded));
    ASSERT_TRUE(map != nullptr);
    EXPECT_EQ(slices.size(), map->getNumberOfFrames());
    Uint16 rows = 0, columns = 0;
    EXPECT_TRUE(map->getRows(rows).good());
    EXPECT_TRUE(map->getColumns(columns).good());
    EXPECT_EQ(NY, rows);
    EXPECT_EQ(NX, columns);
    EXPECT_EQ(DPMTypes::CQ_RESEARCH, map->getContentQualification());
    DPMParametricMapIOD::FramesType frames = map->getFrames();
    DPMParametricMapIOD::Frames<Stored>* typed = OFget<DPMParametricMapIOD::Frames<Stored> >(&frames);
    ASSERT_TRUE(typed != nullptr) << "dcmpmap sees another pixel type";
    size_t nanCount = 0;
    for (size_t f = 0; f < slices.size(); f++)
    {
      SCOPED_TRACE("dcmpmap frame " + std::to_string(f));
      const Stored* frame = typed->getFrame(f);
      ASSERT_TRUE(frame != nullptr);
      const std::vector<int64_t> one = { slices[f] }, oneTime = { timePoints[f] };
      nanCount += ExpectExactFrames(frame, static_cast<size_t>(NX * NY), voxels, one, oneTime);
    }
    EXPECT_EQ(expectedNanCount, nanCount);
  }
}


TEST(ParametricMapIod, Float32ThreeAndFourDimensional)
{
  for (int64_t nt : { int64_t(1), NT })
  {
    SCOPED_TRACE(nt == 1 ? "3D" : "4D");
    CheckParametricMap<Float32>(MakeFloat32Values(nt), DT_FLOAT32, nt, Modality::MR);
  }
}


TEST(ParametricMapIod, Float64KeptAsDouble)
{
  for (int64_t nt : { int64_t(1), NT })
  {
    SCOPED_TRACE(nt == 1 ? "3D" : "4D");
    CheckParametricMap<Float64>(MakeFloat64Values(nt), DT_FLOAT64, nt, Modality::MR);
  }
}


TEST(ParametricMapIod, Float64RoundedToFloat32)
{
  // Without DoublePrecision, each value is the nearest float
  CheckParametricMap<Float32>(MakeFloat64Values(1), DT_FLOAT64, 1, Modality::MR);
}


TEST(ParametricMapIod, ModalityOfTheOptions)
{
  CheckParametricMap<Float32>(MakeFloat32Values(1), DT_FLOAT32, 1, Modality::CT);
}


// --- Segmentation -------------------------------------------------------------

namespace
{
  std::unique_ptr<Series> ConvertLabelMap(int64_t nx)
  {
    SeriesOptions options = Options(IodType::Segmentation);
    options.labels = MakeSegmentLabels();
    return Convert(MakeLabelNifti(nx, 1), std::move(options));
  }

  bool GetBit(const Uint8* bytes, size_t bit)
  {
    return (bytes[bit / 8] >> (bit % 8)) & 1;
  }

  // sRGB red in CIELab (D65) is L* 53.24, a* 80.09, b* 67.20 (published
  // values), scaled as PS3.3 C.10.7.1.1 says
  const Uint16 RED_LAB[3] = { 34891, 53480, 50167 };
}


TEST(SegmentationIod, LabelMap)
{
  // 15-bit frames: most start in the middle of a byte
  std::unique_ptr<Series> series = ConvertLabelMap(NX);
  ASSERT_TRUE(series != nullptr);
  ASSERT_EQ(1u, series->sink.files.size());
  DcmDataset& d = series->sink.Get(0);

  CheckCommonModules(*series->sink.files[0], *series, UID_SegmentationStorage, "SEG", true);
  EXPECT_EQ(NY, GetUint16(d, DCM_Rows));
  EXPECT_EQ(NX, GetUint16(d, DCM_Columns));
  EXPECT_EQ(1, GetUint16(d, DCM_SamplesPerPixel));
  EXPECT_EQ("MONOCHROME2", GetString(d, DCM_PhotometricInterpretation));
  EXPECT_EQ(1, GetUint16(d, DCM_BitsAllocated));
  EXPECT_EQ(1, GetUint16(d, DCM_BitsStored));
  EXPECT_EQ(0, GetUint16(d, DCM_HighBit));
  EXPECT_EQ("BINARY", GetString(d, DCM_SegmentationType));
  EXPECT_EQ("SEGMENTATION", GetString(d, DCM_ContentLabel));

  // One segment per label, in label order
  const char* const names[] = { "Liver", "Label 3", "Spleen" };
  ASSERT_EQ(LABELS.size(), CountItems(d, DCM_SegmentSequence));
  for (size_t s = 0; s < LABELS.size(); s++)
  {
    SCOPED_TRACE("segment " + std::to_string(s + 1));
    DcmItem* segment = GetItem(d, DCM_SegmentSequence, static_cast<int>(s));
    ASSERT_TRUE(segment != nullptr);
    EXPECT_EQ(s + 1, GetUint16(*segment, DCM_SegmentNumber));
    EXPECT_EQ(names[s], GetString(*segment, DCM_SegmentLabel));
    EXPECT_EQ("NIfTI label value " + std::to_string(LABELS[s]), GetString(*segment, DCM_SegmentDescription));
    EXPECT_EQ("AUTOMATIC", GetString(*segment, DCM_SegmentAlgorithmType));
    EXPECT_EQ(1u, CountItems(*segment, DCM_SegmentedPropertyCategoryCodeSequence));
    EXPECT_EQ(1u, CountItems(*segment, DCM_SegmentedPropertyTypeCodeSequence));
    EXPECT_EQ(s == 0 ? 3u : 0u, GetDecimals(*segment, DCM_RecommendedDisplayCIELabValue).size());
  }

  const std::vector<SegmentFrame> expected = ExpectedSegmentFrames();
  ASSERT_EQ(7u, expected.size());   // label 1 on 4 slices, 3 on 2, 7 on 1
  std::vector<int64_t> slices;
  std::vector<std::string> indexValues;
  for (const SegmentFrame& frame : expected)
  {
    slices.push_back(frame.k);
    indexValues.push_back(std::to_string(frame.segment) + "\\" + std::to_string(frame.k + 1));
  }
  CheckFunctionalGroups(d, slices, indexValues, 2);
  for (size_t f = 0; f < expected.size(); f++)
  {
    DcmItem* perFrame = GetItem(d, DCM_PerFrameFunctionalGroupsSequence, static_cast<int>(f));
    ASSERT_TRUE(perFrame != nullptr);
    DcmItem* identification = GetItem(*perFrame, DCM_SegmentIdentificationSequence);
    ASSERT_TRUE(identification != nullptr);
    EXPECT_EQ(expected[f].segment, GetUint16(*identification, DCM_ReferencedSegmentNumber));
  }

  // The frames' bits follow one another, least significant bit first
  const Uint8* bytes = nullptr;
  unsigned long count = 0;
  ASSERT_TRUE(d.findAndGetUint8Array(DCM_PixelData, bytes, &count).good());
  const size_t bits = expected.size() * NX * NY;
  EXPECT_EQ((bits + 7) / 8 + ((bits + 7) / 8) % 2, count);
  ASSERT_GE(count * 8, bits);
  for (size_t f = 0; f < expected.size(); f++)
  {
    for (int64_t r = 0; r < NY; r++)
    {
      for (int64_t c = 0; c < NX; c++)
      {
        const bool inside = LabelValue(c, NY - 1 - r, expected[f].k) == LABELS[expected[f].segment - 1];
        EXPECT_EQ(inside, GetBit(bytes, f * NX * NY + static_cast<size_t>(r * NX + c)))
          << "frame " << f << ", pixel (c=" << c << ", r=" << r << ")";
      }
    }
  }
}


TEST(SegmentationIod, ReadByDcmseg)
{
  // 8 x 3 pixels: frames of whole bytes. DCMTK 3.6.7 (Debian 12) cuts the
  // frames wrongly when they do not end on a byte boundary (frames that
  // start mid-byte lose their last bits), which SegmentationIod.LabelMap
  // checks for our files without dcmseg.
  const int64_t nx = 8;
  std::unique_ptr<Series> series = ConvertLabelMap(nx);
  ASSERT_TRUE(series != nullptr);
  ASSERT_EQ(1u, series->sink.files.size());
  std::unique_ptr<DcmFileFormat> copy = ParseDicom(series->sink.buffers[0]);
  ASSERT_TRUE(copy != nullptr);

  DcmSegmentation* loaded = nullptr;
  const OFCondition status = DcmSegmentation::loadDataset(*copy->getDataset(), loaded);
  ASSERT_TRUE(status.good()) << "dcmseg cannot load the Segmentation: " << status.text();
  std::unique_ptr<DcmSegmentation> segmentation(loaded);

  EXPECT_EQ(DcmSegTypes::ST_BINARY, segmentation->getSegmentationType());
  ASSERT_EQ(LABELS.size(), segmentation->getNumberOfSegments());
  const char* const names[] = { "Liver", "Label 3", "Spleen" };
  for (size_t s = 0; s < LABELS.size(); s++)
  {
    SCOPED_TRACE("segment " + std::to_string(s + 1));
    DcmSegment* segment = segmentation->getSegment(s + 1);
    ASSERT_TRUE(segment != nullptr);
    OFString label, description;
    EXPECT_TRUE(segment->getSegmentLabel(label).good());
    EXPECT_EQ(names[s], std::string(label.c_str()));
    EXPECT_TRUE(segment->getSegmentDescription(description).good());
    EXPECT_EQ("NIfTI label value " + std::to_string(LABELS[s]), std::string(description.c_str()));
    EXPECT_EQ(DcmSegTypes::SAT_AUTOMATIC, segment->getSegmentAlgorithmType());

    Uint16 l = 0, a = 0, b = 0;
    const bool hasColor = segment->getRecommendedDisplayCIELabValue(l, a, b).good();
    EXPECT_EQ(s == 0, hasColor);
    if (s == 0)
    {
      // Tolerance for the rounding of the published values and the matrix
      EXPECT_NEAR(RED_LAB[0], l, 40);
      EXPECT_NEAR(RED_LAB[1], a, 40);
      EXPECT_NEAR(RED_LAB[2], b, 40);
    }
  }

  const std::vector<SegmentFrame> expected = ExpectedSegmentFrames();
  ASSERT_EQ(expected.size(), segmentation->getNumberOfFrames());
  for (size_t s = 0; s < LABELS.size(); s++)
  {
    OFVector<size_t> frames;
    segmentation->getFramesForSegment(s + 1, frames);
    std::vector<size_t> expectedFrames;
    for (size_t f = 0; f < expected.size(); f++)
    {
      if (expected[f].segment == static_cast<int>(s + 1))
      {
        expectedFrames.push_back(f);
      }
    }
    EXPECT_EQ(expectedFrames, std::vector<size_t>(frames.begin(), frames.end())) << "segment " << s + 1;
  }

  // dcmseg unpacks each frame to start on a byte of its own
  for (size_t f = 0; f < expected.size(); f++)
  {
    SCOPED_TRACE("frame " + std::to_string(f));
    const DcmIODTypes::Frame* frame = segmentation->getFrame(f);
    ASSERT_TRUE(frame != nullptr);
    ASSERT_EQ(static_cast<size_t>(nx * NY / 8), frame->length);
    for (int64_t r = 0; r < NY; r++)
    {
      for (int64_t c = 0; c < nx; c++)
      {
        const bool inside = LabelValue(c, NY - 1 - r, expected[f].k) == LABELS[expected[f].segment - 1];
        EXPECT_EQ(inside, GetBit(frame->pixData, static_cast<size_t>(r * nx + c)))
          << "pixel (c=" << c << ", r=" << r << ")";
      }
    }
  }
}


TEST(SegmentationIod, RefusesFourDimensionalLabelMaps)
{
  SeriesOptions options = Options(IodType::Segmentation);
  EXPECT_CONVERSION_ERROR(Convert(MakeLabelNifti(NX, NT), std::move(options)), Unsupported, "3D");
}


// --- dciodvfy -------------------------------------------------------------------

namespace
{
  struct DciodvfyCase
  {
    const char*  name;
    IodType      iod;
    const char*  dciodvfyName;   // the line where dciodvfy names the IOD it checked against
  };

  bool IsDciodvfyInstalled()
  {
    return !std::string(DCIODVFY_PATH).empty() && access(DCIODVFY_PATH, X_OK) == 0;
  }

  // One file of the IOD, from the volume it is made for (4D where it can be)
  std::string MakeFileToVerify(IodType iod)
  {
    std::unique_ptr<Series> series;
    switch (iod)
    {
      case IodType::MrImage:
      case IodType::CtImage:
      case IodType::EnhancedMrImage:
        series = Convert(MakeInt16Nifti(NT), Options(iod, iod == IodType::CtImage ? Modality::CT : Modality::MR));
        break;
      case IodType::EnhancedMrColorImage:
      case IodType::TrueColorSecondaryCapture:
        series = Convert(MakeRgbNifti(NT), Options(iod));
        break;
      case IodType::ParametricMap:
      {
        SeriesOptions options = Options(iod);
        options.units = { "mm2/s", "UCUM", "square millimeter per second" };
        options.quantity = { "113041", "DCM", "Apparent Diffusion Coefficient" };
        series = Convert(MakeFloatNifti(MakeFloat32Values(NT), DT_FLOAT32, NT), std::move(options));
        break;
      }
      case IodType::Segmentation:
        series = ConvertLabelMap(NX);
        break;
    }
    if (series == nullptr || series->sink.buffers.empty())
    {
      ADD_FAILURE() << "no file to verify";
      return std::string();
    }
    return series->sink.buffers.back();
  }

  // What dciodvfy prints about the file (it writes to stderr)
  std::vector<std::string> RunDciodvfy(const std::string& file, const std::string& name)
  {
    const std::string path = ::testing::TempDir() + "nifti-to-dicom-dciodvfy-" + name + ".dcm";
    {
      std::ofstream stream(path.c_str(), std::ios::binary);
      stream.write(file.data(), static_cast<std::streamsize>(file.size()));
    }

    std::vector<std::string> lines;
    const std::string command = std::string(DCIODVFY_PATH) + " '" + path + "' 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr)
    {
      ADD_FAILURE() << "cannot run " << command;
      return lines;
    }
    std::string line;
    char buffer[4096];
    while (fgets(buffer, sizeof(buffer), pipe) != nullptr)
    {
      line += buffer;
      if (!line.empty() && line.back() == '\n')
      {
        line.pop_back();
        lines.push_back(line);
        line.clear();
      }
    }
    if (!line.empty())
    {
      lines.push_back(line);
    }
    pclose(pipe);
    std::remove(path.c_str());
    return lines;
  }

  class DciodvfyTest : public ::testing::TestWithParam<DciodvfyCase>
  {
  };
}


TEST_P(DciodvfyTest, NoErrors)
{
  if (!IsDciodvfyInstalled())
  {
    GTEST_SKIP() << "dciodvfy (dicom3tools) is not installed";
  }

  const std::string file = MakeFileToVerify(GetParam().iod);
  ASSERT_FALSE(file.empty());
  const std::vector<std::string> lines = RunDciodvfy(file, GetParam().name);

  std::string report;
  for (const std::string& line : lines)
  {
    report += line + "\n";
  }
  // Checked against the IOD the SOP Class names, not a generic one
  EXPECT_NE(lines.end(), std::find(lines.begin(), lines.end(), GetParam().dciodvfyName)) << report;
  // Warnings are advice ("Retired Person Name form" comes from the parent's
  // names, "not present in standard DICOM IOD" from extra attributes); any
  // error fails, and none is known today
  for (const std::string& line : lines)
  {
    EXPECT_NE(0u, line.find("Error")) << report;
  }
}


INSTANTIATE_TEST_SUITE_P(EveryIod, DciodvfyTest, ::testing::Values(
  DciodvfyCase{ "MrImage", IodType::MrImage, "MRImage" },
  DciodvfyCase{ "CtImage", IodType::CtImage, "CTImage" },
  DciodvfyCase{ "EnhancedMrImage", IodType::EnhancedMrImage, "EnhancedMRImage" },
  DciodvfyCase{ "EnhancedMrColorImage", IodType::EnhancedMrColorImage, "EnhancedMRColorImage" },
  DciodvfyCase{ "ParametricMap", IodType::ParametricMap, "ParametricMap" },
  DciodvfyCase{ "Segmentation", IodType::Segmentation, "Segmentation" },
  DciodvfyCase{ "TrueColorSecondaryCapture", IodType::TrueColorSecondaryCapture, "MultiframeTrueColorSCImage" }),
  [](const ::testing::TestParamInfo<DciodvfyCase>& info) { return std::string(info.param.name); });


// The check above can fail: dciodvfy reports a missing Type 1 attribute as an "Error" line
TEST(Dciodvfy, ReportsMissingAttribute)
{
  if (!IsDciodvfyInstalled())
  {
    GTEST_SKIP() << "dciodvfy (dicom3tools) is not installed";
  }

  std::unique_ptr<DcmFileFormat> file = ParseDicom(MakeFileToVerify(IodType::Segmentation));
  ASSERT_TRUE(file != nullptr);
  ASSERT_TRUE(file->getDataset()->findAndDeleteElement(DCM_SeriesInstanceUID).good());
  const std::string path = ::testing::TempDir() + "nifti-to-dicom-dciodvfy-broken.dcm";
  ASSERT_TRUE(file->saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
  const std::string broken = ReadFile(path);
  std::remove(path.c_str());

  size_t errors = 0;
  for (const std::string& line : RunDciodvfy(broken, "broken"))
  {
    if (line.find("Error") == 0)
    {
      errors++;
      EXPECT_NE(std::string::npos, line.find("<SeriesInstanceUID>")) << line;
    }
  }
  EXPECT_EQ(1u, errors);
}
