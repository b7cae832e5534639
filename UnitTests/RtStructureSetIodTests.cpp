// RT Structure Set: a label map's labels as ROIs whose CLOSED_PLANAR
// contours, filled back on the reference's images (even-odd, pixel
// centres), give the label map voxel for voxel; read back with DCMTK.

#include "IodTestChecks.h"
#include "IodTestVolumes.h"
#include "NiftiTestFile.h"
#include "RequestTestHelpers.h"

#include "Contours/ReferencePlanes.h"
#include "Iod/RtStructureSetIod.h"
#include "Plan/SeriesOptionsBuilder.h"
#include "Request/ImportRequest.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace NiftiToDicom;
using namespace NiftiTest;
using namespace IodTest;

namespace
{
  typedef std::vector<uint8_t> Mask;   // rows x columns of a reference image

  double Dot(const double a[3], const double b[3])
  {
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  }

  // Even-odd fill, at pixel centres, of the contours of ROI "roi" on each
  // reference image (by SOP instance UID); checks that every point lies in
  // the plane of the image its contour references
  std::map<std::string, Mask> Fill(DcmDataset& d, int roi, const ReferenceSeries& reference)
  {
    std::map<std::string, const ReferencedImage*> images;
    for (const ReferencedImage& image : reference.images)
    {
      images[image.sopInstanceUid] = &image;
    }
    const double* x = reference.orientation;
    const double* y = reference.orientation + 3;
    const double n[3] = { x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0] };

    std::map<std::string, Mask> masks;
    DcmItem* roiContour = nullptr;
    for (unsigned long i = 0; i < CountItems(d, DCM_ROIContourSequence); i++)
    {
      DcmItem* item = GetItem(d, DCM_ROIContourSequence, static_cast<int>(i));
      if (GetString(*item, DCM_ReferencedROINumber) == std::to_string(roi))
      {
        roiContour = item;
      }
    }
    if (roiContour == nullptr)
    {
      ADD_FAILURE() << "no ROI " << roi;
      return masks;
    }

    for (unsigned long i = 0; i < CountItems(*roiContour, DCM_ContourSequence); i++)
    {
      DcmItem* contour = GetItem(*roiContour, DCM_ContourSequence, static_cast<int>(i));
      EXPECT_EQ("CLOSED_PLANAR", GetString(*contour, DCM_ContourGeometricType));
      DcmItem* imageReference = GetItem(*contour, DCM_ContourImageSequence);
      if (imageReference == nullptr)
      {
        ADD_FAILURE() << "no ContourImageSequence";
        continue;
      }
      const std::string uid = GetString(*imageReference, DCM_ReferencedSOPInstanceUID);
      if (images.count(uid) == 0)
      {
        ADD_FAILURE() << "unknown image " << uid;
        continue;
      }
      const ReferencedImage& image = *images[uid];
      const std::vector<double> data = GetDecimals(*contour, DCM_ContourData);
      EXPECT_EQ(std::to_string(data.size() / 3), GetString(*contour, DCM_NumberOfContourPoints));

      // Each point as (column, row) of the image; corners are at half pixels
      std::vector<std::pair<double, double> > polygon;
      for (size_t p = 0; p + 2 < data.size(); p += 3)
      {
        const double v[3] = { data[p] - image.position[0], data[p + 1] - image.position[1],
                              data[p + 2] - image.position[2] };
        EXPECT_NEAR(0, Dot(v, n), 1e-3) << "point " << p / 3 << " is off the plane of its image";
        polygon.push_back(std::make_pair(Dot(v, x) / reference.pixelSpacing[1], Dot(v, y) / reference.pixelSpacing[0]));
      }

      Mask& mask = masks[uid];
      mask.resize(static_cast<size_t>(reference.rows * reference.columns), 0);
      for (int64_t r = 0; r < reference.rows; r++)
      {
        for (int64_t c = 0; c < reference.columns; c++)
        {
          bool inside = false;
          for (size_t a = 0; a < polygon.size(); a++)
          {
            const std::pair<double, double>& p = polygon[a];
            const std::pair<double, double>& q = polygon[(a + 1) % polygon.size()];
            if ((p.second > r) != (q.second > r) &&
                c < p.first + (r - p.second) * (q.first - p.first) / (q.second - p.second))
            {
              inside = !inside;
            }
          }
          if (inside)
          {
            mask[static_cast<size_t>(r * reference.columns + c)] ^= 1;
          }
        }
      }
    }
    return masks;
  }

  // A label map of nx x ny x nz uint8 voxels under the RAS affine "a"
  std::string MakeLabelFile(int64_t nx, int64_t ny, int64_t nz, const std::vector<uint8_t>& values,
                            const double a[3][4], int sformCode = 1)
  {
    NiftiTestFile f(1, { nx, ny, nz }, DT_UINT8);
    f.SetVoxels(values);
    f.SetSform(sformCode, a);
    return f.Build();
  }

  SeriesOptions RtStructOptions(const ReferenceSeries& reference)
  {
    SeriesOptions options = Options(IodType::RtStructureSet);
    options.hasReference = true;
    options.reference = reference;
    return options;
  }
}


TEST(RtStructureSetIod, LabelMapOnTheReferenceGrid)
{
  std::unique_ptr<Series> series = ConvertLabelMapToRtStruct();
  ASSERT_TRUE(series != nullptr);
  ASSERT_EQ(1u, series->sink.files.size());
  DcmDataset& d = series->sink.Get(0);
  const ReferenceSeries reference = MakeReferenceSeries();

  CheckCommonModules(*series->sink.files[0], *series, UID_RTStructureSetStorage, "RTSTRUCT", true);
  EXPECT_EQ("1.2.3.4", GetString(d, DCM_FrameOfReferenceUID));   // the reference's

  // Structure Set: the reference's frame of reference, study, series and images
  EXPECT_EQ("IOD test", GetString(d, DCM_StructureSetLabel));
  EXPECT_NE("<absent>", GetString(d, DCM_StructureSetDate));
  DcmItem* frame = GetItem(d, DCM_ReferencedFrameOfReferenceSequence);
  ASSERT_TRUE(frame != nullptr);
  EXPECT_EQ("1.2.3.4", GetString(*frame, DCM_FrameOfReferenceUID));
  DcmItem* study = GetItem(*frame, DCM_RTReferencedStudySequence);
  ASSERT_TRUE(study != nullptr);
  EXPECT_EQ(GetString(d, DCM_StudyInstanceUID), GetString(*study, DCM_ReferencedSOPInstanceUID));
  DcmItem* referencedSeries = GetItem(*study, DCM_RTReferencedSeriesSequence);
  ASSERT_TRUE(referencedSeries != nullptr);
  EXPECT_EQ("1.2.3.4.1", GetString(*referencedSeries, DCM_SeriesInstanceUID));
  ASSERT_EQ(static_cast<unsigned long>(NZ), CountItems(*referencedSeries, DCM_ContourImageSequence));
  EXPECT_EQ("1.2.3.4.1.3", GetString(*GetItem(*referencedSeries, DCM_ContourImageSequence, 2),
                                     DCM_ReferencedSOPInstanceUID));

  // One ROI per label, numbered after it, named and coloured from the labels
  const char* const names[] = { "Liver", "Label 3", "Spleen" };
  ASSERT_EQ(LABELS.size(), CountItems(d, DCM_StructureSetROISequence));
  ASSERT_EQ(LABELS.size(), CountItems(d, DCM_ROIContourSequence));
  ASSERT_EQ(LABELS.size(), CountItems(d, DCM_RTROIObservationsSequence));
  for (size_t s = 0; s < LABELS.size(); s++)
  {
    SCOPED_TRACE("label " + std::to_string(LABELS[s]));
    const std::string number = std::to_string(LABELS[s]);
    DcmItem* roi = GetItem(d, DCM_StructureSetROISequence, static_cast<int>(s));
    EXPECT_EQ(number, GetString(*roi, DCM_ROINumber));
    EXPECT_EQ(names[s], GetString(*roi, DCM_ROIName));
    EXPECT_EQ("1.2.3.4", GetString(*roi, DCM_ReferencedFrameOfReferenceUID));
    EXPECT_EQ("AUTOMATIC", GetString(*roi, DCM_ROIGenerationAlgorithm));
    DcmItem* observation = GetItem(d, DCM_RTROIObservationsSequence, static_cast<int>(s));
    EXPECT_EQ(number, GetString(*observation, DCM_ReferencedROINumber));
    EXPECT_EQ("ORGAN", GetString(*observation, DCM_RTROIInterpretedType));
    DcmItem* contour = GetItem(d, DCM_ROIContourSequence, static_cast<int>(s));
    EXPECT_EQ(number, GetString(*contour, DCM_ReferencedROINumber));
    if (s == 0)
    {
      EXPECT_EQ("255\\0\\0", GetString(*contour, DCM_ROIDisplayColor));
    }
    else
    {
      EXPECT_EQ(3u, GetDecimals(*contour, DCM_ROIDisplayColor).size());
    }

    // Filled back, the contours are the label's voxels exactly: pixel
    // (c, r) of image k is voxel (c, NY-1-r, k)
    const std::map<std::string, Mask> masks = Fill(d, LABELS[s], reference);
    for (int64_t k = 0; k < NZ; k++)
    {
      const std::string uid = reference.images[k].sopInstanceUid;
      for (int64_t r = 0; r < NY; r++)
      {
        for (int64_t c = 0; c < NX; c++)
        {
          const bool expected = (LabelValue(c, NY - 1 - r, k) == LABELS[s]);
          const bool filled = masks.count(uid) > 0 && masks.at(uid)[static_cast<size_t>(r * NX + c)] != 0;
          EXPECT_EQ(expected, filled) << "slice " << k << ", row " << r << ", column " << c;
        }
      }
    }
  }

  // The one-voxel label 7 is a square of 4 points at the voxel's edges
  DcmItem* spleen = GetItem(*GetItem(d, DCM_ROIContourSequence, 2), DCM_ContourSequence);
  ASSERT_TRUE(spleen != nullptr);
  EXPECT_EQ("4", GetString(*spleen, DCM_NumberOfContourPoints));
  EXPECT_EQ("1.2.3.4.1.2", GetString(*GetItem(*spleen, DCM_ContourImageSequence), DCM_ReferencedSOPInstanceUID));
}


TEST(RtStructureSetIod, HoleIsASeparateContourAndInPlaneGridMayDiffer)
{
  // A 6x6 ring with a 2x2 hole, on a label map whose in-plane axes are
  // swapped and flipped against the reference's, with 0.5 mm voxels on a
  // reference of 1 mm pixels: contours follow the label map's voxel edges
  const int64_t n = 6;
  std::vector<uint8_t> values(n * n * 2, 0);
  for (int64_t k = 0; k < 2; k++)
  {
    for (int64_t j = 0; j < n; j++)
    {
      for (int64_t i = 0; i < n; i++)
      {
        const bool hole = (i >= 2 && i <= 3 && j >= 2 && j <= 3);
        values[i + n * (j + n * k)] = hole ? 0 : 5;
      }
    }
  }
  // Voxel (i, j, k) at RAS (10 - 0.5 j, 20 - 0.5 i, 30 + 3 k)
  const double affine[3][4] = { { 0, -0.5, 0, 10 }, { -0.5, 0, 0, 20 }, { 0, 0, 3, 30 } };

  ReferenceSeries reference = MakeReferenceSeries();
  const double orientation[6] = { 1, 0, 0, 0, 1, 0 };
  std::copy(orientation, orientation + 6, reference.orientation);
  reference.pixelSpacing[0] = reference.pixelSpacing[1] = 1;
  reference.rows = reference.columns = 40;
  reference.images.resize(2);
  for (int64_t k = 0; k < 2; k++)
  {
    const double position[3] = { -30, -40, 30 + 3.0 * k };
    std::copy(position, position + 3, reference.images[k].position);
  }

  std::unique_ptr<Series> series = Convert(MakeLabelFile(n, n, 2, values, affine), RtStructOptions(reference));
  ASSERT_TRUE(series != nullptr);
  DcmDataset& d = series->sink.Get(0);
  ASSERT_EQ(1u, CountItems(d, DCM_ROIContourSequence));
  DcmItem* roi = GetItem(d, DCM_ROIContourSequence);
  ASSERT_EQ(4u, CountItems(*roi, DCM_ContourSequence));   // outside and hole, on both slices

  // The outer square is 3 mm wide from LPS x = -20.25 .. (corner of voxel
  // i = 0 at RAS y = 20.25: LPS y = -20.25), the hole 1 mm wide
  const std::vector<double> outer = GetDecimals(*GetItem(*roi, DCM_ContourSequence, 0), DCM_ContourData);
  const std::vector<double> hole = GetDecimals(*GetItem(*roi, DCM_ContourSequence, 1), DCM_ContourData);
  ASSERT_EQ(12u, outer.size());
  ASSERT_EQ(12u, hole.size());
  double low[2] = { 1e9, 1e9 }, high[2] = { -1e9, -1e9 }, holeLow[2] = { 1e9, 1e9 }, holeHigh[2] = { -1e9, -1e9 };
  for (size_t p = 0; p < 12; p += 3)
  {
    for (int a = 0; a < 2; a++)
    {
      low[a] = std::min(low[a], outer[p + a]);
      high[a] = std::max(high[a], outer[p + a]);
      holeLow[a] = std::min(holeLow[a], hole[p + a]);
      holeHigh[a] = std::max(holeHigh[a], hole[p + a]);
    }
    EXPECT_DOUBLE_EQ(30, outer[p + 2]);
  }
  // Voxel i spans LPS y = -(20 - 0.5 i) +- 0.25, voxel j LPS x = -(10 - 0.5 j) +- 0.25
  EXPECT_DOUBLE_EQ(-10.25, low[0]);
  EXPECT_DOUBLE_EQ(-7.25, high[0]);
  EXPECT_DOUBLE_EQ(-20.25, low[1]);
  EXPECT_DOUBLE_EQ(-17.25, high[1]);
  EXPECT_DOUBLE_EQ(-9.25, holeLow[0]);
  EXPECT_DOUBLE_EQ(-8.25, holeHigh[0]);
  EXPECT_DOUBLE_EQ(-19.25, holeLow[1]);
  EXPECT_DOUBLE_EQ(-18.25, holeHigh[1]);
}


TEST(RtStructureSetIod, LabelMapOutsideTheReferenceIsRefused)
{
  const ReferenceSeries reference = MakeReferenceSeries();
  std::vector<std::string> warnings;

  // Without reference
  EXPECT_CONVERSION_ERROR(Convert(MakeLabelNifti(NX, 1), Options(IodType::RtStructureSet)), InvalidInput,
                          "ReferenceSeries");

  // Slices not parallel to the reference's images: the test affine turned
  // by 90 degrees about the row axis
  const double turned[3][4] = { { 0, -1.3, 0, 5 }, { 0, 0, 2.5, -8 }, { 0.7, 0, 0, 12 } };
  std::vector<uint8_t> ones(NX * NY * NZ, 1);
  EXPECT_CONVERSION_ERROR(Convert(MakeLabelFile(NX, NY, NZ, ones, turned), RtStructOptions(reference)),
                          InvalidInput, "not parallel");

  // Parallel but 100 mm above the last image
  const double above[3][4] = { { 0, -1.3, 0, 5 }, { 0.7, 0, 0, -8 }, { 0, 0, 2.5, 112 } };
  EXPECT_CONVERSION_ERROR(Convert(MakeLabelFile(NX, NY, NZ, ones, above), RtStructOptions(reference)),
                          InvalidInput, "none of its images crosses the label map");

  // In the planes of the images, but beside them
  const double beside[3][4] = { { 0, -1.3, 0, 500 }, { 0.7, 0, 0, -8 }, { 0, 0, 2.5, 12 } };
  EXPECT_CONVERSION_ERROR(Convert(MakeLabelFile(NX, NY, NZ, ones, beside), RtStructOptions(reference)),
                          InvalidInput, "beside");

  // In a template space
  const double same[3][4] = { { 0, -1.3, 0, 5 }, { 0.7, 0, 0, -8 }, { 0, 0, 2.5, 12 } };
  EXPECT_CONVERSION_ERROR(Convert(MakeLabelFile(NX, NY, NZ, ones, same, 4), RtStructOptions(reference)),
                          InvalidInput, "template space");

  // A reference without the geometry of its images
  ReferenceSeries flat = reference;
  flat.hasGeometry = false;
  EXPECT_CONVERSION_ERROR(Convert(MakeLabelNifti(NX, 1), RtStructOptions(flat)), InvalidInput, "ImagePositionPatient");

  // A reference whose images are not all parallel (a localizer)
  ReferenceSeries localizer = reference;
  localizer.images[1].hasOrientation = true;
  const double sagittal[6] = { 0, 1, 0, 0, 0, -1 };
  std::copy(sagittal, sagittal + 6, localizer.images[1].orientation);
  EXPECT_CONVERSION_ERROR(Convert(MakeLabelNifti(NX, 1), RtStructOptions(localizer)), InvalidInput, "localizer");
  localizer.images[1].hasOrientation = false;
  localizer.images[2].hasOrientation = true;
  std::copy(ORIENTATION.begin(), ORIENTATION.end(), localizer.images[2].orientation);
  EXPECT_TRUE(Convert(MakeLabelNifti(NX, 1), RtStructOptions(localizer)) != nullptr);

  // Nothing on the reference's images
  EXPECT_CONVERSION_ERROR(Convert(MakeLabelFile(NX, NY, NZ, std::vector<uint8_t>(NX * NY * NZ, 0), same),
                                  RtStructOptions(reference)), InvalidInput, "empty");

  // Not a label map
  NiftiTestFile f(1, { NX, NY, NZ }, DT_FLOAT32);
  f.SetVoxels(std::vector<float>(NX * NY * NZ, 0.5f));
  f.SetSform(1, same);
  EXPECT_CONVERSION_ERROR(Convert(f.Build(), RtStructOptions(reference)), InvalidInput, "whole numbers");
}


TEST(RtStructureSetIod, FinerLabelMapIsSampledOnTheReferencePlanes)
{
  // The label map has a slice every 1.25 mm, the reference every 2.5 mm:
  // the reference's planes take every other slice, and a warning says so
  const double fine[3][4] = { { 0, -1.3, 0, 5 }, { 0.7, 0, 0, -8 }, { 0, 0, 1.25, 12 } };
  const int64_t nz = 2 * NZ - 1;
  std::vector<uint8_t> values(NX * NY * nz, 0);
  for (int64_t k = 0; k < nz; k++)
  {
    values[k * NX * NY] = static_cast<uint8_t>(k + 1);   // a label per slice
  }
  NiftiTestFile f(1, { NX, NY, nz }, DT_UINT8);
  f.SetVoxels(values);
  f.SetSform(1, fine);
  const std::string nifti = f.Build();
  const NiftiHeader header = NiftiHeader::Parse(nifti.data(), nifti.size());

  std::vector<std::string> warnings;
  const std::vector<ReferencePlanes::Plane> planes =
    ReferencePlanes::Map(SeriesGeometry(header), MakeReferenceSeries(), warnings);
  // By distance along the reference's normal, (0, 0, -1) here: last image first
  ASSERT_EQ(static_cast<size_t>(NZ), planes.size());
  for (int64_t p = 0; p < NZ; p++)
  {
    EXPECT_EQ(static_cast<size_t>(NZ - 1 - p), planes[p].image);
    EXPECT_EQ(2 * static_cast<int64_t>(planes[p].image), planes[p].slice);
    EXPECT_DOUBLE_EQ(-ExpectedPosition(NZ - 1 - p)[2], planes[p].distance);
  }
  ASSERT_EQ(1u, warnings.size());
  EXPECT_NE(std::string::npos, warnings[0].find("3 of the 7 slices")) << warnings[0];

  std::unique_ptr<Series> series = Convert(nifti, RtStructOptions(MakeReferenceSeries()));
  ASSERT_TRUE(series != nullptr);
  EXPECT_EQ(static_cast<unsigned long>(NZ), CountItems(series->sink.Get(0), DCM_StructureSetROISequence));
  EXPECT_EQ("5", GetString(*GetItem(series->sink.Get(0), DCM_StructureSetROISequence, 2), DCM_ROINumber));
}


TEST(RtStructureSetIod, LongContourSwitchesToImplicitVr)
{
  // A comb of 1500 teeth: one contour of 6002 points, over the 64 KB that
  // an explicit VR DS element can hold
  const int64_t nx = 3000;
  std::vector<uint8_t> values(nx * 2, 0);
  for (int64_t i = 0; i < nx; i++)
  {
    values[i + nx] = 1;                              // the spine (top row on the image)
    values[i] = (i % 2 == 0) ? 1 : 0;                // the teeth
  }
  const double affine[3][4] = { { -1, 0, 0, 0 }, { 0, -1, 0, 1 }, { 0, 0, 1, 0 } };
  ReferenceSeries reference = MakeReferenceSeries();
  const double orientation[6] = { 1, 0, 0, 0, 1, 0 };
  std::copy(orientation, orientation + 6, reference.orientation);
  reference.pixelSpacing[0] = reference.pixelSpacing[1] = 1;
  reference.rows = 2;
  reference.columns = nx;
  reference.images.resize(1);
  const double position[3] = { 0, 0, 0 };
  std::copy(position, position + 3, reference.images[0].position);

  std::unique_ptr<Series> series = Convert(MakeLabelFile(nx, 2, 1, values, affine), RtStructOptions(reference));
  ASSERT_TRUE(series != nullptr);
  EXPECT_EQ(UID_LittleEndianImplicitTransferSyntax,
            GetString(*series->sink.files[0]->getMetaInfo(), DCM_TransferSyntaxUID));
  DcmItem* contour = GetItem(*GetItem(series->sink.Get(0), DCM_ROIContourSequence), DCM_ContourSequence);
  ASSERT_TRUE(contour != nullptr);
  EXPECT_EQ("6002", GetString(*contour, DCM_NumberOfContourPoints));
  EXPECT_EQ(18006u, GetDecimals(*contour, DCM_ContourData).size());
}


TEST(RtStructureSetIod, Coordinates)
{
  EXPECT_EQ("12.5", RtStructureSetIod::FormatCoordinate(12.5));
  EXPECT_EQ("-3.25", RtStructureSetIod::FormatCoordinate(-3.25));
  EXPECT_EQ("0", RtStructureSetIod::FormatCoordinate(-0.0001));
  EXPECT_EQ("100", RtStructureSetIod::FormatCoordinate(100.0000001));
  EXPECT_EQ("-123456.789", RtStructureSetIod::FormatCoordinate(-123456.7891));
  EXPECT_GE(16u, RtStructureSetIod::FormatCoordinate(-9999999999.999).size());
  EXPECT_GE(16u, RtStructureSetIod::FormatCoordinate(1.5e300).size());
}


TEST(RtStructureSetIod, RequestNeedsAReferenceSeries)
{
  Json::Value body = MakeUploadRequestBody();
  body["Type"] = "RTStruct";
  EXPECT_CONVERSION_ERROR(ParseRequestBody(body), InvalidInput, "needs \"ReferenceSeries\"");

  body["ReferenceSeries"] = "0123";
  const ImportRequest request = ParseRequestBody(body);
  EXPECT_EQ(OutputRequest::Type::RTStruct, request.output.type);

  const std::string nifti = MakeLabelNifti(NX, 1);
  const NiftiHeader header = NiftiHeader::Parse(nifti.data(), nifti.size());
  EXPECT_CONVERSION_ERROR(SeriesOptionsBuilder(request, header, ImportContext()), InvalidInput, "ReferenceSeries");

  ImportContext context;
  context.hasReference = true;
  context.reference = MakeReferenceSeries();
  const SeriesOptionsBuilder builder(request, header, context);
  EXPECT_EQ(IodType::RtStructureSet, builder.GetOptions().iod);
  EXPECT_TRUE(builder.GetWarnings().empty());

  // Checked before any voxel is read: the geometry, the dimensions
  context.reference.orientation[5] = 1;   // slices at 45 degrees to the label map's
  EXPECT_CONVERSION_ERROR(SeriesOptionsBuilder(request, header, context), InvalidInput, "not parallel");
  const std::string nifti4d = MakeLabelNifti(NX, 2);
  EXPECT_CONVERSION_ERROR(SeriesOptionsBuilder(request, NiftiHeader::Parse(nifti4d.data(), nifti4d.size()),
                                               ImportContext()), InvalidInput, "ReferenceSeries");
  context.reference = MakeReferenceSeries();
  EXPECT_CONVERSION_ERROR(SeriesOptionsBuilder(request, NiftiHeader::Parse(nifti4d.data(), nifti4d.size()),
                                               context), Unsupported, "3D label map");
}
