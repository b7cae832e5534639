// The volumes every IOD test converts, with the known affine they share and
// where that affine puts each slice. Voxel values are functions of the voxel's
// indices, so that a test computes what any pixel must hold.

#pragma once

#include "Conversion/SeriesConverter.h"
#include "TestHelpers.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace IodTest
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
  extern const std::vector<double> ORIENTATION;
  extern const std::vector<double> PIXEL_SPACING;   // [between rows, between columns]
  const double SLICE_SPACING = 2.5;

  // ImagePositionPatient of slice k: voxel (0, NY-1, k) in LPS
  std::vector<double> ExpectedPosition(int64_t k);

  // Position along the normal (row direction x column direction = (0, 0, -1))
  double ExpectedSliceLocation(int64_t k);

  size_t VoxelIndex(int64_t i, int64_t j, int64_t k, int64_t t);


  // --- The test volumes ------------------------------------------------------

  int16_t Int16Value(int64_t i, int64_t j, int64_t k, int64_t t);

  std::string MakeInt16Nifti(int64_t nt);

  // Channel 0, 1, 2 (red, green, blue) of an RGB24 voxel
  uint8_t RgbValue(int64_t i, int64_t j, int64_t k, int64_t t, int channel);

  std::string MakeRgbNifti(int64_t nt);

  // Values no 16-bit quantisation keeps, one NaN, one denormal
  std::vector<float> MakeFloat32Values(int64_t nt);

  // Values that float32 would round, one NaN
  std::vector<double> MakeFloat64Values(int64_t nt);

  // Defined for float and double
  template <typename T>
  std::string MakeFloatNifti(const std::vector<T>& values, int datatype, int64_t nt);

  // The label map: label 1 grows from slice to slice, 3 is on the last two
  // slices only, 7 is one voxel of slice 1
  int LabelValue(int64_t i, int64_t j, int64_t k);

  // "nx" columns (at least 5), NY rows, NZ slices
  std::string MakeLabelNifti(int64_t nx, int64_t nt);

  extern const std::vector<int> LABELS;   // segment numbers 1, 2, 3

  // Names 1 and 7, and gives 1 a color
  std::map<int64_t, NiftiToDicom::SegmentLabel> MakeSegmentLabels();


  // --- Conversion ---------------------------------------------------------

  struct Series
  {
    NiftiTest::CollectingSink        sink;
    NiftiToDicom::ConversionSummary  summary;
  };

  // Null when a file cannot be parsed back (ParseDicom has reported it)
  std::unique_ptr<Series> Convert(std::string nifti, NiftiToDicom::SeriesOptions&& options);

  NiftiToDicom::SeriesOptions Options(NiftiToDicom::IodType iod,
                                      NiftiToDicom::Modality modality = NiftiToDicom::Modality::MR);

  // The label map of "nx" columns as a Segmentation, with MakeSegmentLabels()
  std::unique_ptr<Series> ConvertLabelMap(int64_t nx);

  // A reference series whose images are the NZ slices of the test volumes
  // (same grid, same frame of reference "1.2.3.4")
  NiftiToDicom::ReferenceSeries MakeReferenceSeries();

  // The label map of NX columns as an RT Structure Set on MakeReferenceSeries()
  std::unique_ptr<Series> ConvertLabelMapToRtStruct();
}
