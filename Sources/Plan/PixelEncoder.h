#pragma once

#include "Nifti/NiftiVolume.h"

#include <string>
#include <vector>

namespace NiftiToDicom
{
  // Chooses how NIfTI voxel values become 16-bit DICOM pixels, and encodes
  // one slice at a time. Real value = RescaleSlope * pixel + RescaleIntercept.
  //
  // - Integer data that fits 16 bits is stored as is, scl_slope/scl_inter
  //   becoming the rescale: lossless.
  // - Other data (floats, wide integers) is lossless when every real value
  //   is an integer that fits 16 bits; otherwise it is quantised linearly
  //   over its range, with an error of at most half a step (the slope).
  class PixelEncoder
  {
  public:
    enum class Mode
    {
      StoredIntegers,    // pixel = stored NIfTI value
      RealValues         // pixel = round((real - intercept) / slope)
    };

  private:
    const NiftiVolume& volume_;
    Mode     mode_;
    bool     signed_;
    double   rescaleSlope_;
    double   rescaleIntercept_;
    double   maxError_;
    double   minReal_;
    double   maxReal_;
    int64_t  nonFiniteCount_;
    int32_t  nonFinitePixel_;
    double   windowCenter_;
    double   windowWidth_;
    std::vector<std::string> warnings_;

    template <typename T> void Scan();
    template <typename T> void EncodeRows(uint8_t* target, int64_t k, int64_t t) const;
    void ChooseRepresentation(double minStored, double maxStored, bool allIntegral,
                              bool integerType, bool signedInput);

  public:
    explicit PixelEncoder(const NiftiVolume& volume);

    Mode GetMode() const
    {
      return mode_;
    }

    // PixelRepresentation 1 (int16) or 0 (uint16)
    bool IsSigned() const
    {
      return signed_;
    }

    double GetRescaleSlope() const
    {
      return rescaleSlope_;
    }

    double GetRescaleIntercept() const
    {
      return rescaleIntercept_;
    }

    bool IsLossless() const
    {
      return maxError_ == 0;
    }

    // Largest possible difference between a real value and its DICOM value
    double GetMaxError() const
    {
      return maxError_;
    }

    double GetWindowCenter() const
    {
      return windowCenter_;
    }

    double GetWindowWidth() const
    {
      return windowWidth_;
    }

    int64_t GetNonFiniteCount() const
    {
      return nonFiniteCount_;
    }

    // Rows x Columns little-endian 16-bit pixels of slice k, volume t
    void EncodeSlice(std::string& target, int64_t k, int64_t t) const;

    // The same into "target", which holds Rows x Columns x 2 bytes
    void EncodeSlice(uint8_t* target, int64_t k, int64_t t) const;

    const std::vector<std::string>& GetWarnings() const
    {
      return warnings_;
    }
  };
}
