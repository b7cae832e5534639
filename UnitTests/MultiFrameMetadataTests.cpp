// What the multi-frame IODs make of a BIDS sidecar, bval/bvec and a
// reference series: the place of each attribute (top level, MR functional
// group, nowhere), the dimension organisation readers sort frames by, the
// Source Image Evidence of the references, and the region of a reference
// series read from its own geometry.

#include "IodTestChecks.h"
#include "IodTestVolumes.h"

#include "Iod/SidecarPlacement.h"
#include "Nifti/NiftiHeader.h"
#include "Plan/ReferenceRegion.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <json/reader.h>

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>

using namespace NiftiToDicom;
using namespace NiftiTest;
using namespace IodTest;

namespace
{
  Json::Value ParseJson(const std::string& text)
  {
    Json::Value value;
    Json::CharReaderBuilder builder;
    std::string errors;
    std::istringstream stream(text);
    EXPECT_TRUE(Json::parseFromStream(builder, stream, &value, &errors)) << errors;
    return value;
  }

  // A dcm2niix sidecar of an EPI acquisition, values as a Siemens scanner gives them
  const char* const SIDECAR =
    "{ \"Modality\": \"MR\", \"MagneticFieldStrength\": 3, \"ImagingFrequency\": 123.210568,"
    "  \"Manufacturer\": \"Siemens\", \"ManufacturersModelName\": \"MAGNETOM Vida\", \"DeviceSerialNumber\": \"175689\","
    "  \"ProtocolName\": \"REST1 w SMS\", \"SeriesDescription\": \"REST1 description\","
    "  \"MRAcquisitionType\": \"2D\", \"ScanningSequence\": \"EP\", \"SequenceVariant\": \"SK\","
    "  \"SequenceName\": \"epfid2d1_64\", \"SliceThickness\": 2, \"SpacingBetweenSlices\": 9,"
    "  \"EchoTime\": 0.03, \"RepetitionTime\": 0.5, \"FlipAngle\": 52, \"EchoTrainLength\": 56,"
    "  \"PixelBandwidth\": 2298, \"PercentPhaseFOV\": 100, \"PercentSampling\": 100,"
    "  \"ReceiveCoilName\": \"HeadNeck_20_TCS\", \"InPlanePhaseEncodingDirectionDICOM\": \"COL\","
    "  \"PatientPosition\": \"HFS\", \"BodyPartExamined\": \"BRAIN\", \"InversionTime\": 0.9,"
    "  \"AcquisitionTime\": \"13:19:34.087500\" }";

  SeriesOptions SidecarOptions(IodType iod)
  {
    SeriesOptions options = Options(iod);
    options.sidecar = BidsSidecar::Parse(ParseJson(SIDECAR));
    return options;
  }

  DcmItem* SharedGroup(DcmDataset& d, const DcmTagKey& group)
  {
    DcmItem* shared = GetItem(d, DCM_SharedFunctionalGroupsSequence);
    return shared == nullptr ? nullptr : GetItem(*shared, group);
  }

  double FirstDecimal(DcmDataset& d, const DcmTagKey& group, const DcmTagKey& tag)
  {
    DcmItem* item = SharedGroup(d, group);
    Float64 value = -1;
    if (item != nullptr && item->findAndGetFloat64(tag, value).good())
    {
      return value;
    }
    const std::vector<double> values = item == nullptr ? std::vector<double>() : GetDecimals(*item, tag);
    return values.empty() ? -1 : values[0];
  }
}


// --- The table -------------------------------------------------------------------

TEST(SidecarPlacement, EachTagHasItsPlace)
{
  using namespace SidecarPlacement;

  SidecarPlacement::Placement p = Find(Family::EnhancedMr, DCM_EchoTime);
  EXPECT_EQ(Kind::Group, p.kind);
  EXPECT_EQ(DcmTagKey(DCM_MREchoSequence), p.group);
  EXPECT_EQ(DcmTagKey(DCM_EffectiveEchoTime), p.target);

  p = Find(Family::EnhancedMr, DCM_ImagingFrequency);
  EXPECT_EQ(DcmTagKey(DCM_MRImagingModifierSequence), p.group);
  EXPECT_EQ(DcmTagKey(DCM_TransmitterFrequency), p.target);

  p = Find(Family::EnhancedMr, DCM_NumberOfPhaseEncodingSteps);
  EXPECT_EQ(DcmTagKey(DCM_MRFOVGeometrySequence), p.group);
  EXPECT_EQ(DcmTagKey(DCM_MRAcquisitionPhaseEncodingStepsInPlane), p.target);

  EXPECT_EQ(DcmTagKey(DCM_MRTimingAndRelatedParametersSequence), Find(Family::EnhancedMr, DCM_FlipAngle).group);
  EXPECT_EQ(DcmTagKey(DCM_MRModifierSequence), Find(Family::EnhancedMr, DCM_ParallelReductionFactorInPlane).group);
  EXPECT_EQ(DcmTagKey(DCM_MRAveragesSequence), Find(Family::EnhancedMr, DCM_NumberOfAverages).group);
  EXPECT_EQ(DcmTagKey(DCM_MRReceiveCoilSequence), Find(Family::EnhancedMr, DCM_ReceiveCoilName).group);
  EXPECT_EQ(Kind::Derived, Find(Family::EnhancedMr, DCM_SAR).kind);
  EXPECT_EQ(Kind::Derived, Find(Family::EnhancedMr, DCM_RepetitionTime).kind);
  EXPECT_EQ(Kind::Derived, Find(Family::EnhancedMr, DCM_SliceThickness).kind);

  p = Find(Family::EnhancedMr, DCM_ImagedNucleus);
  EXPECT_EQ(Kind::TopLevel, p.kind);
  EXPECT_EQ(DcmTagKey(DCM_ResonantNucleus), p.target);
  EXPECT_EQ(Kind::TopLevel, Find(Family::EnhancedMr, DCM_ProtocolName).kind);
  EXPECT_EQ(Kind::TopLevel, Find(Family::EnhancedMr, DCM_MagneticFieldStrength).kind);

  // The scanner is Contributing Equipment, not General Equipment
  EXPECT_EQ(Kind::Dropped, Find(Family::EnhancedMr, DCM_Manufacturer).kind);
  EXPECT_EQ(Kind::Dropped, Find(Family::EnhancedMr, DCM_DeviceSerialNumber).kind);
  // Classic codes without Enhanced equivalent: beyond the IOD, at the top level
  EXPECT_EQ(Kind::TopLevel, Find(Family::EnhancedMr, DCM_SequenceVariant).kind);
  EXPECT_EQ(Kind::TopLevel, Find(Family::EnhancedMr, DCM_AcquisitionMatrix).kind);

  // A standard attribute the table does not know: the top level of Enhanced MR, nowhere else
  EXPECT_EQ(Kind::TopLevel, Find(Family::EnhancedMr, DCM_ContrastBolusAgent).kind);
  EXPECT_EQ(DcmTagKey(DCM_ContrastBolusAgent), Find(Family::EnhancedMr, DCM_ContrastBolusAgent).target);
  EXPECT_EQ(Kind::Dropped, Find(Family::NonMr, DCM_ContrastBolusAgent).kind);

  // No MR functional group in a Parametric Map; General Series is there
  EXPECT_EQ(Kind::Dropped, Find(Family::NonMr, DCM_EchoTime).kind);
  EXPECT_EQ(Kind::Dropped, Find(Family::NonMr, DCM_FlipAngle).kind);
  EXPECT_EQ(Kind::TopLevel, Find(Family::NonMr, DCM_ProtocolName).kind);
  EXPECT_EQ(Kind::TopLevel, Find(Family::NonMr, DCM_BodyPartExamined).kind);
  EXPECT_EQ(Kind::Derived, Find(Family::NonMr, DCM_SliceThickness).kind);
}


// --- Enhanced MR ---------------------------------------------------------------------

TEST(SidecarPlacement, EnhancedMrFunctionalGroups)
{
  std::unique_ptr<Series> series = Convert(MakeInt16Nifti(NT), SidecarOptions(IodType::EnhancedMrImage));
  ASSERT_TRUE(series != nullptr);
  DcmDataset& d = series->sink.Get(0);

  // MR Echo is complete with its EffectiveEchoTime (FD), in milliseconds
  EXPECT_NEAR(30, FirstDecimal(d, DCM_MREchoSequence, DCM_EffectiveEchoTime), 1e-9);
  EXPECT_EQ("<absent>", GetString(d, DCM_EchoTime));

  // The sidecar cannot complete MR Timing (operating modes, RF and gradient
  // echo trains), MR Imaging Modifier (blood signal nulling, tagging...),
  // MR Modifier (flow compensation...), MR FOV/Geometry (steps of k-space)
  // nor MR Receive Coil (coil type): those groups stay out, and what the
  // sidecar gives is at the top level in its classic attributes
  for (const DcmTagKey& group : { DCM_MRTimingAndRelatedParametersSequence, DCM_MRImagingModifierSequence,
                                  DCM_MRModifierSequence, DCM_MRFOVGeometrySequence, DCM_MRReceiveCoilSequence })
  {
    EXPECT_TRUE(SharedGroup(d, group) == nullptr) << group.toString();
  }
  ExpectDecimals({ 500 }, d, DCM_RepetitionTime, 1e-9);      // seconds become milliseconds
  ExpectDecimals({ 52 }, d, DCM_FlipAngle, 1e-9);
  EXPECT_EQ("56", GetString(d, DCM_EchoTrainLength));
  ExpectDecimals({ 123.210568 }, d, DCM_ImagingFrequency, 1e-9);
  ExpectDecimals({ 2298 }, d, DCM_PixelBandwidth, 1e-9);
  ExpectDecimals({ 900 }, d, DCM_InversionTime, 1e-9);
  EXPECT_EQ("COL", GetString(d, DCM_InPlanePhaseEncodingDirection));
  ExpectDecimals({ 100 }, d, DCM_PercentPhaseFieldOfView, 1e-9);
  EXPECT_EQ("HeadNeck_20_TCS", GetString(d, DCM_ReceiveCoilName));
  EXPECT_EQ("<absent>", GetString(d, DCM_TransmitterFrequency));
  EXPECT_EQ("<absent>", GetString(d, DCM_InversionTimes));
  // Classic sequence attributes beside their Enhanced equivalents
  EXPECT_EQ("EP", GetString(d, DCM_ScanningSequence));
  EXPECT_EQ("SK", GetString(d, DCM_SequenceVariant));

  // Top level: General Series, Enhanced MR Image
  EXPECT_EQ("REST1 w SMS", GetString(d, DCM_ProtocolName));
  EXPECT_EQ("3", GetString(d, DCM_MagneticFieldStrength));
  // dciodvfy refuses the MR Pulse Sequence module in a derived image
  EXPECT_EQ("<absent>", GetString(d, DCM_MRAcquisitionType));
  EXPECT_EQ("<absent>", GetString(d, DCM_PulseSequenceName));
  EXPECT_EQ("epfid2d1_64", GetString(d, DCM_SequenceName));
  EXPECT_EQ("HFS", GetString(d, DCM_PatientPosition));
  EXPECT_EQ("BRAIN", GetString(d, DCM_BodyPartExamined));
  // A time needs its date: the study's (MR_small's StudyDate), in Enhanced MR's AcquisitionDateTime
  EXPECT_EQ(GetString(d, DCM_StudyDate) + "131934.087500", GetString(d, DCM_AcquisitionDateTime));
  EXPECT_EQ(14u, GetString(d, DCM_AcquisitionDateTime).find('.'));

  // The anatomic region of the frames is the body part the sidecar names
  DcmItem* anatomy = SharedGroup(d, DCM_FrameAnatomySequence);
  ASSERT_TRUE(anatomy != nullptr);
  DcmItem* region = GetItem(*anatomy, DCM_AnatomicRegionSequence);
  ASSERT_TRUE(region != nullptr);
  EXPECT_EQ("12738006", GetString(*region, DCM_CodeValue));
  EXPECT_EQ("Brain", GetString(*region, DCM_CodeMeaning));

  // General Equipment is this plugin, whatever scanner the sidecar names
  EXPECT_EQ("Orthanc NIfTI-to-DICOM", GetString(d, DCM_Manufacturer));
  EXPECT_NE("175689", GetString(d, DCM_DeviceSerialNumber));

  // The slices are 2 mm thick, 2.5 mm apart: the sidecar's thickness, the NIfTI's spacing
  DcmItem* measures = SharedGroup(d, DCM_PixelMeasuresSequence);
  ASSERT_TRUE(measures != nullptr);
  ExpectDecimals({ 2.0 }, *measures, DCM_SliceThickness, 1e-9);
  ExpectDecimals({ SLICE_SPACING }, *measures, DCM_SpacingBetweenSlices, 1e-9);
}


TEST(SidecarPlacement, EnhancedMrDiffusionPerFrame)
{
  SeriesOptions options = Options(IodType::EnhancedMrImage);
  options.diffusion = std::make_shared<DiffusionTable>(DiffusionTable::Parse("0 1000", "0 1\n0 0\n0 0", NT));
  std::unique_ptr<Series> series = Convert(MakeInt16Nifti(NT), std::move(options));
  ASSERT_TRUE(series != nullptr);
  DcmDataset& d = series->sink.Get(0);
  EXPECT_EQ("DIFFUSION", GetString(d, DCM_AcquisitionContrast));

  for (int64_t f = 0; f < NZ * NT; f++)
  {
    SCOPED_TRACE("frame " + std::to_string(f));
    DcmItem* perFrame = GetItem(d, DCM_PerFrameFunctionalGroupsSequence, static_cast<int>(f));
    ASSERT_TRUE(perFrame != nullptr);
    DcmItem* diffusion = GetItem(*perFrame, DCM_MRDiffusionSequence);
    ASSERT_TRUE(diffusion != nullptr);
    Float64 b = -1;
    EXPECT_TRUE(diffusion->findAndGetFloat64(DCM_DiffusionBValue, b).good());
    const bool weighted = (f / NZ == 1);
    EXPECT_EQ(weighted ? 1000.0 : 0.0, b);
    EXPECT_EQ(weighted ? "DIRECTIONAL" : "NONE", GetString(*diffusion, DCM_DiffusionDirectionality));
    DcmItem* direction = GetItem(*diffusion, DCM_DiffusionGradientDirectionSequence);
    ASSERT_EQ(weighted, direction != nullptr);
    if (weighted)
    {
      // FSL x of a left-handed volume is along +i; voxel i grows along RAS +y (see AFFINE): LPS -y
      const Float64* g = nullptr;
      unsigned long count = 0;
      ASSERT_TRUE(direction->findAndGetFloat64Array(DCM_DiffusionGradientOrientation, g, &count).good());
      ASSERT_EQ(3u, count);
      EXPECT_NEAR(1.0, g[0] * g[0] + g[1] * g[1] + g[2] * g[2], 1e-9);
    }
  }
}


// --- Parametric Map -------------------------------------------------------------------

TEST(SidecarPlacement, ParametricMapTakesWhatItsIodAllows)
{
  std::unique_ptr<Series> series = Convert(MakeFloatNifti(MakeFloat32Values(1), 16, 1),
                                           SidecarOptions(IodType::ParametricMap));
  ASSERT_TRUE(series != nullptr);
  DcmDataset& d = series->sink.Get(0);

  EXPECT_EQ("REST1 w SMS", GetString(d, DCM_ProtocolName));
  EXPECT_EQ("BRAIN", GetString(d, DCM_BodyPartExamined));
  EXPECT_TRUE(SharedGroup(d, DCM_MRTimingAndRelatedParametersSequence) == nullptr);
  EXPECT_TRUE(SharedGroup(d, DCM_MREchoSequence) == nullptr);
  EXPECT_EQ("<absent>", GetString(d, DCM_MagneticFieldStrength));
  EXPECT_EQ("<absent>", GetString(d, DCM_PulseSequenceName));
  DcmItem* measures = SharedGroup(d, DCM_PixelMeasuresSequence);
  ASSERT_TRUE(measures != nullptr);
  ExpectDecimals({ 2.0 }, *measures, DCM_SliceThickness, 1e-9);
}


// --- Dimension organisation ------------------------------------------------------------

TEST(MultiFrameDimensions, StackInStackPositionAndTime)
{
  for (IodType iod : { IodType::EnhancedMrImage, IodType::ParametricMap })
  {
    for (int64_t nt : { int64_t(1), NT })
    {
      SCOPED_TRACE(std::string(iod == IodType::ParametricMap ? "Parametric Map" : "Enhanced MR") +
                   (nt > 1 ? " 4D" : " 3D"));
      std::unique_ptr<Series> series = Convert(iod == IodType::ParametricMap ?
                                               MakeFloatNifti(MakeFloat32Values(nt), 16, nt) : MakeInt16Nifti(nt),
                                               Options(iod));
      ASSERT_TRUE(series != nullptr);
      DcmDataset& d = series->sink.Get(0);

      const std::vector<DcmTagKey> expected = nt > 1 ?
        std::vector<DcmTagKey>{ DCM_StackID, DCM_InStackPositionNumber, DCM_TemporalPositionIndex } :
        std::vector<DcmTagKey>{ DCM_StackID, DCM_InStackPositionNumber };
      ASSERT_EQ(expected.size(), CountItems(d, DCM_DimensionIndexSequence));
      for (size_t i = 0; i < expected.size(); i++)
      {
        DcmItem* dimension = GetItem(d, DCM_DimensionIndexSequence, static_cast<int>(i));
        ASSERT_TRUE(dimension != nullptr);
        EXPECT_EQ(expected[i].toString().c_str(), GetString(*dimension, DCM_DimensionIndexPointer));
        EXPECT_EQ(DcmTagKey(DCM_FrameContentSequence).toString().c_str(),
                  GetString(*dimension, DCM_FunctionalGroupPointer));
      }

      // Each frame's index values are its own Frame Content values, and
      // sorting them last dimension first gives the frame order: time-major
      for (int64_t f = 0; f < NZ * nt; f++)
      {
        DcmItem* perFrame = GetItem(d, DCM_PerFrameFunctionalGroupsSequence, static_cast<int>(f));
        ASSERT_TRUE(perFrame != nullptr);
        DcmItem* content = GetItem(*perFrame, DCM_FrameContentSequence);
        ASSERT_TRUE(content != nullptr);
        std::string values = GetString(*content, DCM_StackID) + "\\" +
          GetString(*content, DCM_InStackPositionNumber);
        if (nt > 1)
        {
          values += "\\" + GetString(*content, DCM_TemporalPositionIndex);
        }
        EXPECT_EQ(values, GetString(*content, DCM_DimensionIndexValues));
        EXPECT_EQ("1\\" + std::to_string(f % NZ + 1) + (nt > 1 ? "\\" + std::to_string(f / NZ + 1) : ""),
                  values);
      }
    }
  }
}


// --- References --------------------------------------------------------------------------

TEST(SourceImageEvidence, ListsTheReferencedImages)
{
  for (IodType iod : { IodType::EnhancedMrImage, IodType::EnhancedMrColorImage })
  {
    SeriesOptions options = Options(iod);
    options.hasReference = true;
    options.reference.seriesInstanceUid = "1.2.3.4";
    options.reference.images = { { "1.2.840.10008.5.1.4.1.1.4", "1.2.3.4.1" },
                                 { "1.2.840.10008.5.1.4.1.1.4", "1.2.3.4.2" } };
    std::unique_ptr<Series> series = Convert(iod == IodType::EnhancedMrColorImage ? MakeRgbNifti(1) :
                                             MakeInt16Nifti(1), std::move(options));
    ASSERT_TRUE(series != nullptr);
    DcmDataset& d = series->sink.Get(0);

    DcmItem* study = GetItem(d, DCM_SourceImageEvidenceSequence);
    ASSERT_TRUE(study != nullptr);
    EXPECT_NE("<absent>", GetString(*study, DCM_StudyInstanceUID));
    EXPECT_EQ(GetString(d, DCM_StudyInstanceUID), GetString(*study, DCM_StudyInstanceUID));
    DcmItem* seriesItem = GetItem(*study, DCM_ReferencedSeriesSequence);
    ASSERT_TRUE(seriesItem != nullptr);
    EXPECT_EQ("1.2.3.4", GetString(*seriesItem, DCM_SeriesInstanceUID));
    ASSERT_EQ(2u, CountItems(*seriesItem, DCM_ReferencedSOPSequence));
    EXPECT_EQ("1.2.3.4.2", GetString(*GetItem(*seriesItem, DCM_ReferencedSOPSequence, 1),
                                     DCM_ReferencedSOPInstanceUID));
  }

  // Without reference series: nothing to evidence
  std::unique_ptr<Series> series = Convert(MakeInt16Nifti(1), Options(IodType::EnhancedMrImage));
  ASSERT_TRUE(series != nullptr);
  EXPECT_EQ(0u, CountItems(series->sink.Get(0), DCM_SourceImageEvidenceSequence));
}


// --- The region of a reference series --------------------------------------------------------

namespace
{
  // The test volume lies in LPS x -5..-2.4, y 5.2..8, z 12..19.5
  SeriesGeometry TestGeometry()
  {
    const std::string file = MakeInt16Nifti(1);
    return SeriesGeometry(NiftiHeader::Parse(file.data(), file.size()));
  }
}

TEST(ReferenceRegion, ClassicSlices)
{
  const SeriesGeometry geometry = TestGeometry();
  ReferenceRegion region;
  EXPECT_TRUE(region.IsEmpty());
  EXPECT_FALSE(region.Overlaps(geometry, 1.0));

  // An axial slice at z = 15 covering the volume's x, y
  EXPECT_TRUE(region.AddInstance(ParseJson(
    "{ \"Rows\": \"10\", \"Columns\": \"10\", \"PixelSpacing\": \"1\\\\1\","
    "  \"ImageOrientationPatient\": \"1\\\\0\\\\0\\\\0\\\\1\\\\0\", \"ImagePositionPatient\": \"-8\\\\2\\\\15\" }")));
  EXPECT_TRUE(region.Overlaps(geometry, 1.0));

  ReferenceRegion far;
  EXPECT_TRUE(far.AddInstance(ParseJson(
    "{ \"Rows\": \"10\", \"Columns\": \"10\", \"PixelSpacing\": \"1\\\\1\","
    "  \"ImageOrientationPatient\": \"1\\\\0\\\\0\\\\0\\\\1\\\\0\", \"ImagePositionPatient\": \"-8\\\\2\\\\150\" }")));
  EXPECT_FALSE(far.Overlaps(geometry, 1.0));

  // No position, no orientation: nothing to go by
  ReferenceRegion none;
  EXPECT_FALSE(none.AddInstance(ParseJson("{ \"Rows\": \"10\", \"Columns\": \"10\", \"PixelSpacing\": \"1\\\\1\" }")));
  EXPECT_TRUE(none.IsEmpty());
}

TEST(ReferenceRegion, EnhancedFunctionalGroups)
{
  // Positions per frame, orientation and spacing shared, as Orthanc simplifies them
  ReferenceRegion region;
  EXPECT_TRUE(region.AddInstance(ParseJson(
    "{ \"Rows\": \"10\", \"Columns\": \"10\","
    "  \"SharedFunctionalGroupsSequence\": [ {"
    "    \"PixelMeasuresSequence\": [ { \"PixelSpacing\": \"1\\\\1\", \"SliceThickness\": \"2\" } ],"
    "    \"PlaneOrientationSequence\": [ { \"ImageOrientationPatient\": \"1\\\\0\\\\0\\\\0\\\\1\\\\0\" } ] } ],"
    "  \"PerFrameFunctionalGroupsSequence\": ["
    "    { \"PlanePositionSequence\": [ { \"ImagePositionPatient\": \"-8\\\\2\\\\30\" } ] },"
    "    { \"PlanePositionSequence\": [ { \"ImagePositionPatient\": \"-8\\\\2\\\\18\" } ] } ] }")));
  EXPECT_TRUE(region.Overlaps(TestGeometry(), 1.0));   // the second frame is within z 12..19.5

  ReferenceRegion firstOnly;
  EXPECT_TRUE(firstOnly.AddInstance(ParseJson(
    "{ \"Rows\": \"10\", \"Columns\": \"10\","
    "  \"SharedFunctionalGroupsSequence\": [ {"
    "    \"PixelMeasuresSequence\": [ { \"PixelSpacing\": \"1\\\\1\" } ],"
    "    \"PlaneOrientationSequence\": [ { \"ImageOrientationPatient\": \"1\\\\0\\\\0\\\\0\\\\1\\\\0\" } ] } ],"
    "  \"PerFrameFunctionalGroupsSequence\": ["
    "    { \"PlanePositionSequence\": [ { \"ImagePositionPatient\": \"-8\\\\2\\\\30\" } ] } ] }")));
  EXPECT_FALSE(firstOnly.Overlaps(TestGeometry(), 1.0));
}

TEST(ReferenceRegion, SiemensMosaic)
{
  // 4 tiles of 10 x 10 pixels in a 20 x 20 grid, 1 mm pixels, 3 mm apart:
  // the grid's position is 5 mm off the first tile's in x and y
  const std::string tags =
    "{ \"Rows\": \"20\", \"Columns\": \"20\", \"PixelSpacing\": \"1\\\\1\", \"ImageType\": \"ORIGINAL\\\\PRIMARY\\\\M\\\\MOSAIC\","
    "  \"ImageOrientationPatient\": \"1\\\\0\\\\0\\\\0\\\\1\\\\0\", \"ImagePositionPatient\": \"-17\\\\-9\\\\7\","
    "  \"SpacingBetweenSlices\": \"3\", \"0019,100a\": \"4\" }";
  ReferenceRegion region;
  EXPECT_TRUE(region.AddInstance(ParseJson(tags)));
  // The first slice spans x -12..-3, y -4..5 at z = 7, the others up to 9 mm along the normal either way:
  // the volume (x -5..-2.4, y 5.2..8, z 12..19.5) is within 1 mm
  EXPECT_TRUE(region.Overlaps(TestGeometry(), 1.0));

  // The same grid read as a plain image would cover x -17..2, y -9..10, z = 7 only: no overlap in z
  ReferenceRegion plain;
  Json::Value flat = ParseJson(tags);
  flat.removeMember("ImageType");
  EXPECT_TRUE(plain.AddInstance(flat));
  EXPECT_FALSE(plain.Overlaps(TestGeometry(), 1.0));
}

TEST(ReferenceRegion, PositionsInAVendorSequence)
{
  // UIH: no top-level position; one per slice in a private sequence
  ReferenceRegion region;
  EXPECT_TRUE(region.AddInstance(ParseJson(
    "{ \"Rows\": \"10\", \"Columns\": \"10\", \"PixelSpacing\": \"1\\\\1\","
    "  \"ImageOrientationPatient\": \"1\\\\0\\\\0\\\\0\\\\1\\\\0\","
    "  \"0065,1051\": [ { \"ImagePositionPatient\": \"-8\\\\2\\\\13\" }, { \"ImagePositionPatient\": \"-8\\\\2\\\\16\" } ] }")));
  EXPECT_TRUE(region.Overlaps(TestGeometry(), 1.0));
}
