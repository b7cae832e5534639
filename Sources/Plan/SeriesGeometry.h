#pragma once

#include "Common/Vector3.h"
#include "Nifti/Affine.h"
#include "Nifti/NiftiHeader.h"

#include <array>
#include <string>
#include <vector>

namespace NiftiToDicom
{
  // Where each DICOM slice lies in the patient (LPS), derived from the NIfTI
  // affine. Pixel (column c, row r) of slice k is voxel (c, ny-1-r, k): the
  // rows are flipped so that this mapping is the exact inverse of dcm2niix.
  class SeriesGeometry
  {
  public:
    enum class Source
    {
      Sform,
      Qform,
      VoxelSizes   // no usable transform: position in the patient unknown
    };

  private:
    Source   source_;
    int      xformCode_;
    Affine   affine_;           // RAS, millimetres
    int64_t  columns_;
    int64_t  rows_;
    int64_t  slices_;
    Vector3  rowDirection_;     // IOP[0:3], LPS: the way the column index grows
    Vector3  columnDirection_;  // IOP[3:6], LPS: the way the row index grows
    Vector3  normal_;
    double   columnSpacing_;    // dc: distance between columns (PixelSpacing[1])
    double   rowSpacing_;       // dr: distance between rows (PixelSpacing[0])
    double   sliceSpacing_;
    std::vector<std::string> warnings_;

  public:
    // The transform the header designates: sform, else qform, else voxel
    // sizes, with the warnings that choice deserves
    struct Transform
    {
      Source                    source = Source::VoxelSizes;
      int                       xformCode = 0;
      Affine                    affine;
      std::vector<std::string>  warnings;
    };

    static Transform ChooseTransform(const NiftiHeader& header);

    static const char* GetSourceName(Source source);

    // Largest tolerated |cos| between row and column directions, and |sin|
    // between the slice axis and the plane normal, before refusing as shear.
    static constexpr double SHEAR_TOLERANCE = 1e-3;

    explicit SeriesGeometry(const NiftiHeader& header);

    Source GetSource() const
    {
      return source_;
    }

    const char* GetSourceName() const
    {
      return GetSourceName(source_);
    }

    // sform_code or qform_code of the chosen transform (0 for VoxelSizes)
    int GetXformCode() const
    {
      return xformCode_;
    }

    const Affine& GetAffine() const
    {
      return affine_;
    }

    int64_t GetRows() const
    {
      return rows_;
    }

    int64_t GetColumns() const
    {
      return columns_;
    }

    int64_t GetSlices() const
    {
      return slices_;
    }

    const Vector3& GetRowDirection() const
    {
      return rowDirection_;
    }

    const Vector3& GetColumnDirection() const
    {
      return columnDirection_;
    }

    const Vector3& GetNormal() const
    {
      return normal_;
    }

    double GetRowSpacing() const
    {
      return rowSpacing_;
    }

    double GetColumnSpacing() const
    {
      return columnSpacing_;
    }

    double GetSliceSpacing() const
    {
      return sliceSpacing_;
    }

    // ImagePositionPatient of slice k (LPS, mm)
    Vector3 GetSlicePosition(int64_t k) const;

    // SliceLocation of slice k: its position along the normal
    double GetSliceLocation(int64_t k) const;

    const std::vector<std::string>& GetWarnings() const
    {
      return warnings_;
    }
  };
}
