#pragma once

#include "Nifti/Affine.h"
#include "Plan/SeriesGeometry.h"   // Vector3

#include <cstdint>
#include <string>
#include <vector>

class DcmItem;

namespace NiftiToDicom
{
  // The b-values and gradient directions of a diffusion series, from the
  // FSL text files (".bval", ".bvec") that accompany a 4D NIfTI: one entry
  // per volume. FSL gives the directions along the image axes, with x
  // flipped for images stored in neurological (det > 0) order; DICOM wants
  // them in the patient (LPS) coordinate system.
  class DiffusionTable
  {
  private:
    std::vector<double>   bValues_;    // s/mm^2
    std::vector<Vector3>  vectors_;    // as in the bvec file

    void CheckVolume(int64_t t) const;

  public:
    // "bval": the b-values, separated by spaces or new lines, one per
    // volume. "bvec": 3 rows of "volumes" numbers (FSL), or "volumes" rows
    // of 3 numbers. Throws ConversionError(InvalidInput) saying what was
    // found when a count does not match "volumes".
    static DiffusionTable Parse(const std::string& bval, const std::string& bvec, int64_t volumes);

    int64_t GetVolumes() const
    {
      return static_cast<int64_t>(bValues_.size());
    }

    double GetBValue(int64_t t) const;

    // b > 0
    bool IsDiffusionWeighted(int64_t t) const;

    // The vector of volume t as given in the bvec file
    const Vector3& GetFslVector(int64_t t) const;

    // The gradient direction of volume t in the patient (LPS), a unit
    // vector, for the NIfTI affine "affine" (RAS). (0, 0, 0) when b = 0 or
    // the bvec vector is zero. Throws ConversionError(InvalidInput) if the
    // affine is degenerate.
    Vector3 GetGradientLps(int64_t t, const Affine& affine) const;

    // DiffusionDirectionality (0018,9075): "NONE" for b = 0 and for a
    // residual b (at most 5 s/mm2) without direction, "ISOTROPIC" for a
    // larger b without direction (trace images), "DIRECTIONAL" otherwise
    std::string GetDirectionality(int64_t t) const;

    // The DiffusionBValue written for volume t: the bval's, except 0 for a
    // residual b without direction (directionality NONE), which readers
    // such as dcm2niix would otherwise split off as a trace image
    double GetWrittenBValue(int64_t t) const;

    // The volumes whose residual b-value is written as 0 (for a warning)
    std::vector<int64_t> GetResidualVolumes() const;

    // DiffusionBValue (0018,9087, FD), DiffusionGradientOrientation
    // (0018,9089, FD, 3 values) and DiffusionDirectionality (0018,9075).
    // DiffusionBValue is 0 where the directionality is NONE (a residual b).
    void ApplyTo(DcmItem& item, int64_t t, const Affine& affine) const;
  };
}
