#include "IodTestVolumes.h"

#include "NiftiTestFile.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace NiftiToDicom;
using namespace NiftiTest;
using namespace IodTest;

namespace
{
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

  // Where MakeFloat32Values and MakeFloat64Values put their NaN (and the denormal)
  const size_t NAN_VOXEL = 7;
  const size_t DENORMAL_VOXEL = 11;
}


namespace IodTest
{
  const std::vector<double> ORIENTATION = { 0, -1, 0, -1, 0, 0 };
  const std::vector<double> PIXEL_SPACING = { 1.3, 0.7 };

  std::vector<double> ExpectedPosition(int64_t k)
  {
    return { -(5 - 1.3 * static_cast<double>(NY - 1)), 8, 12 + 2.5 * static_cast<double>(k) };
  }

  double ExpectedSliceLocation(int64_t k)
  {
    return -(12 + 2.5 * static_cast<double>(k));
  }

  size_t VoxelIndex(int64_t i, int64_t j, int64_t k, int64_t t)
  {
    return static_cast<size_t>(i + NX * (j + NY * (k + NZ * t)));
  }


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

  template std::string MakeFloatNifti<float>(const std::vector<float>& values, int datatype, int64_t nt);
  template std::string MakeFloatNifti<double>(const std::vector<double>& values, int datatype, int64_t nt);

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

  const std::vector<int> LABELS = { 1, 3, 7 };

  std::map<int64_t, SegmentLabel> MakeSegmentLabels()
  {
    std::map<int64_t, SegmentLabel> labels;
    labels[1].name = "Liver";
    labels[1].hasColor = true;
    labels[1].color[0] = 255;   // pure sRGB red
    labels[7].name = "Spleen";
    return labels;   // 3 has no entry: named after its value
  }


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

  SeriesOptions Options(IodType iod, Modality modality)
  {
    SeriesOptions options;
    options.iod = iod;
    options.modality = modality;
    return options;
  }

  ReferenceSeries MakeReferenceSeries()
  {
    ReferenceSeries reference;
    reference.seriesInstanceUid = "1.2.3.4.1";
    reference.frameOfReferenceUid = "1.2.3.4";
    reference.hasGeometry = true;
    std::copy(ORIENTATION.begin(), ORIENTATION.end(), reference.orientation);
    std::copy(PIXEL_SPACING.begin(), PIXEL_SPACING.end(), reference.pixelSpacing);
    reference.rows = NY;
    reference.columns = NX;
    for (int64_t k = 0; k < NZ; k++)
    {
      ReferencedImage image;
      image.sopClassUid = "1.2.840.10008.5.1.4.1.1.4";
      image.sopInstanceUid = "1.2.3.4.1." + std::to_string(k + 1);
      image.hasPosition = true;
      const std::vector<double> position = ExpectedPosition(k);
      std::copy(position.begin(), position.end(), image.position);
      reference.images.push_back(image);
    }
    return reference;
  }


  std::unique_ptr<Series> ConvertLabelMapToRtStruct()
  {
    SeriesOptions options = Options(IodType::RtStructureSet);
    options.labels = MakeSegmentLabels();
    options.hasReference = true;
    options.reference = MakeReferenceSeries();
    return Convert(MakeLabelNifti(NX, 1), std::move(options));
  }


  std::unique_ptr<Series> ConvertLabelMap(int64_t nx)
  {
    SeriesOptions options = Options(IodType::Segmentation);
    options.labels = MakeSegmentLabels();
    return Convert(MakeLabelNifti(nx, 1), std::move(options));
  }
}
