#include "Plan/PixelEncoder.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomValues.h"
#include "Nifti/VoxelType.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <type_traits>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#  error The pixel encoder writes little-endian DICOM pixels with native stores
#endif

namespace NiftiToDicom
{
  namespace
  {
    // Quantised pixels use 1..65533 of the uint16 range, so that the rounding
    // of slope and intercept to 16-character DS values can never push the
    // extreme values out of range.
    const double QUANTISATION_STEPS = 65532.0;

    bool FitsUnsigned16(double minValue, double maxValue)
    {
      return minValue >= 0 && maxValue <= 65535;
    }

    bool FitsSigned16(double minValue, double maxValue)
    {
      return minValue >= -32768 && maxValue <= 32767;
    }

    // Range of "width" consecutive 8- or 16-bit integers, merged into minStored and maxStored
    template <typename T>
    void ScanSmallIntegers(double& minStored, double& maxStored, const uint8_t* row, int64_t width, bool swap)
    {
      if (width <= 0)
      {
        return;
      }
      int32_t lowest = std::numeric_limits<int32_t>::max();
      int32_t highest = std::numeric_limits<int32_t>::min();
      if (swap)
      {
        for (int64_t i = 0; i < width; i++)
        {
          const int32_t value = ReadVoxel<T>(row + i * sizeof(T), true);
          lowest = std::min(lowest, value);
          highest = std::max(highest, value);
        }
      }
      else
      {
        for (int64_t i = 0; i < width; i++)
        {
          T value;
          memcpy(&value, row + i * sizeof(T), sizeof(T));
          lowest = std::min<int32_t>(lowest, value);
          highest = std::max<int32_t>(highest, value);
        }
      }
      minStored = std::min(minStored, static_cast<double>(lowest));
      maxStored = std::max(maxStored, static_cast<double>(highest));
    }

    // One row of integers stored as they are (the two's complement of int16
    // pixels is their uint16 bit pattern): no floating point on this path
    template <typename T>
    void EncodeStoredIntegers(uint8_t* output, const uint8_t* source, int64_t width, bool swap)
    {
      if (sizeof(T) == 2 && !swap)
      {
        memcpy(output, source, static_cast<size_t>(width) * 2);
        return;
      }
      for (int64_t c = 0; c < width; c++)
      {
        const uint16_t bits = static_cast<uint16_t>(static_cast<int32_t>(ReadVoxel<T>(source + c * sizeof(T), swap)));
        memcpy(output + c * 2, &bits, 2);
      }
    }

    std::string Describe(double value)
    {
      std::ostringstream s;
      s.precision(6);
      s << value;
      return s.str();
    }

    // Refusal of values a 16-bit rescale cannot carry: a RescaleSlope of 0
    // or an infinite DS would silently destroy every value
    ConversionError CannotRescale(const NiftiHeader& header, double minReal, double maxReal, const std::string& why)
    {
      return ConversionError(ErrorKind::Unsupported,
                             std::string("The ") + header.GetDatatypeName() + " values (" + Describe(minReal) +
                             " to " + Describe(maxReal) + ") cannot be stored as 16-bit pixels with a rescale: " +
                             why + "; use \"Type\": \"ParametricMap\" (with \"DoublePrecision\": true for "
                             "float64 values) to store them as they are");
    }
  }


  template <typename T>
  void PixelEncoder::Scan()
  {
    const NiftiHeader& header = volume_.GetHeader();
    const bool swap = header.byteSwapped;
    const double slope = header.HasScaling() ? header.sclSlope : 1.0;
    const double inter = header.HasScaling() ? header.sclInter : 0.0;

    double minStored = std::numeric_limits<double>::infinity();
    double maxStored = -std::numeric_limits<double>::infinity();
    bool allIntegral = true;
    nonFiniteCount_ = 0;

    // Integers of at most 16 bits always fit the pixels as they are stored
    // (ChooseRepresentation then needs neither allIntegral nor a real value):
    // their range is all the scan needs, in integer arithmetic
    constexpr bool SMALL_INTEGERS = std::is_integral<T>::value && sizeof(T) <= 2;

    // A slice at a time, in file order (one buffer, reused)
    const int64_t sliceVoxels = volume_.GetWidth() * volume_.GetHeight();
    NiftiSlice slice;
    for (int64_t t = 0; t < volume_.GetTimePoints(); t++)
    {
      for (int64_t k = 0; k < volume_.GetDepth(); k++)
      {
        volume_.ReadSlice(slice, k, t);
        const uint8_t* voxels = slice.GetData();
        if (SMALL_INTEGERS)
        {
          ScanSmallIntegers<T>(minStored, maxStored, voxels, sliceVoxels, swap);
          continue;
        }
        for (int64_t i = 0; i < sliceVoxels; i++)
        {
          const double stored = static_cast<double>(ReadVoxel<T>(voxels + i * sizeof(T), swap));
          if (!std::isfinite(stored))
          {
            nonFiniteCount_++;
            continue;
          }
          minStored = std::min(minStored, stored);
          maxStored = std::max(maxStored, stored);
          if (allIntegral)
          {
            const double real = slope * stored + inter;
            allIntegral = (real == std::floor(real));
          }
        }
      }
    }

    if (nonFiniteCount_ == header.GetVoxelCount())
    {
      minStored = maxStored = 0;  // nothing but NaN: store zeros
    }

    // int8 and int16 data keep signed pixels whatever their range; wider
    // integers get signed pixels only when their values need them
    ChooseRepresentation(minStored, maxStored, allIntegral, std::is_integral<T>::value,
                         std::is_signed<T>::value && sizeof(T) <= 2);
  }


  void PixelEncoder::ChooseRepresentation(double minStored, double maxStored, bool allIntegral,
                                          bool integerType, bool signedInput)
  {
    const NiftiHeader& header = volume_.GetHeader();
    const double slope = header.HasScaling() ? header.sclSlope : 1.0;
    const double inter = header.HasScaling() ? header.sclInter : 0.0;

    minReal_ = std::min(slope * minStored + inter, slope * maxStored + inter);
    maxReal_ = std::max(slope * minStored + inter, slope * maxStored + inter);
    if (!std::isfinite(minReal_) || !std::isfinite(maxReal_))
    {
      throw ConversionError(ErrorKind::Unsupported,
                            "scl_slope (" + Describe(header.sclSlope) + ") and scl_inter (" +
                            Describe(header.sclInter) + ") take the " + header.GetDatatypeName() +
                            " values beyond the float64 range: fix the scaling of the NIfTI");
    }

    if (integerType && (FitsUnsigned16(minStored, maxStored) || FitsSigned16(minStored, maxStored)))
    {
      mode_ = Mode::StoredIntegers;
      signed_ = signedInput || !FitsUnsigned16(minStored, maxStored);
      rescaleSlope_ = DicomValues::RoundTripDecimal(slope);
      rescaleIntercept_ = DicomValues::RoundTripDecimal(inter);
      maxError_ = 0;
    }
    else if (allIntegral && (FitsUnsigned16(minReal_, maxReal_) || FitsSigned16(minReal_, maxReal_)))
    {
      mode_ = Mode::RealValues;
      signed_ = !FitsUnsigned16(minReal_, maxReal_);
      rescaleSlope_ = 1;
      rescaleIntercept_ = 0;
      maxError_ = 0;
    }
    else
    {
      mode_ = Mode::RealValues;
      signed_ = false;
      const double range = maxReal_ - minReal_;
      if (!std::isfinite(range))
      {
        throw CannotRescale(header, minReal_, maxReal_, "their range overflows float64");
      }
      const double step = (range > 0) ? range / QUANTISATION_STEPS : 1.0;
      if (!(step >= std::numeric_limits<double>::min()))
      {
        // A subnormal step keeps too few bits to quantise, and underflows to 0
        throw CannotRescale(header, minReal_, maxReal_, "their range is too small (the RescaleSlope would underflow)");
      }
      rescaleSlope_ = DicomValues::RoundTripDecimal(step);
      const double intercept = minReal_ - rescaleSlope_;
      rescaleIntercept_ = std::isfinite(intercept) ? DicomValues::RoundTripDecimal(intercept) : intercept;
      // Every pixel value must have a finite real value, and the encoder's
      // (real - intercept) must not overflow
      if (!std::isfinite(rescaleIntercept_) || !std::isfinite(maxReal_ - rescaleIntercept_) ||
          !std::isfinite(rescaleIntercept_ + rescaleSlope_ * 65535.0))
      {
        throw CannotRescale(header, minReal_, maxReal_, "the RescaleIntercept or the highest pixel value would "
                            "overflow float64");
      }
      maxError_ = rescaleSlope_ / 2;

      warnings_.push_back(std::string("The ") + header.GetDatatypeName() + " values (" + Describe(minReal_) +
                          " to " + Describe(maxReal_) + ") do not fit 16-bit integers: they were stored with "
                          "RescaleSlope " + DicomValues::FormatDecimal(rescaleSlope_) +
                          ", so each value is kept within " + Describe(maxError_) + " of the original");
    }

    if (nonFiniteCount_ > 0)
    {
      // Prefer a pixel whose real value is 0; else the lowest pixel value
      double pixel = std::round((0 - rescaleIntercept_) / rescaleSlope_);
      const double lowest = signed_ ? -32768 : 0;
      const double highest = signed_ ? 32767 : 65535;
      if (!(pixel >= lowest && pixel <= highest))
      {
        pixel = lowest;
      }
      nonFinitePixel_ = static_cast<int32_t>(pixel);
      warnings_.push_back(std::to_string(nonFiniteCount_) + " voxels are NaN or infinite; they were stored as " +
                          DicomValues::FormatDecimal(rescaleSlope_ * pixel + rescaleIntercept_));
    }

    // Halves first: the sum of two large values overflows
    // ... and a width below FLT_MIN reads back as 0 in float32 viewers
    if (std::isfinite(header.calMin) && std::isfinite(header.calMax) &&
        header.calMax - header.calMin >= std::numeric_limits<float>::min() &&
        std::isfinite(header.calMax - header.calMin))
    {
      windowCenter_ = header.calMin / 2 + header.calMax / 2;
      windowWidth_ = header.calMax - header.calMin;
    }
    else
    {
      windowCenter_ = minReal_ / 2 + maxReal_ / 2;
      windowWidth_ = std::max(maxReal_ - minReal_, 1.0);   // finite: checked above for quantised data
    }
  }


  PixelEncoder::PixelEncoder(const NiftiVolume& volume) :
    volume_(volume),
    mode_(Mode::StoredIntegers),
    signed_(false),
    rescaleSlope_(1),
    rescaleIntercept_(0),
    maxError_(0),
    minReal_(0),
    maxReal_(0),
    nonFiniteCount_(0),
    nonFinitePixel_(0),
    windowCenter_(0),
    windowWidth_(1)
  {
    VisitVoxelType(volume.GetHeader().datatype, [this](auto tag)
    {
      Scan<typename decltype(tag)::Type>();
    });
  }


  template <typename T>
  void PixelEncoder::EncodeRows(uint8_t* target, int64_t k, int64_t t) const
  {
    const NiftiHeader& header = volume_.GetHeader();
    const bool swap = header.byteSwapped;
    const double slope = header.HasScaling() ? header.sclSlope : 1.0;
    const double inter = header.HasScaling() ? header.sclInter : 0.0;
    const double lowest = signed_ ? -32768 : 0;
    const double highest = signed_ ? 32767 : 65535;

    const int64_t width = volume_.GetWidth();
    const int64_t height = volume_.GetHeight();

    const NiftiSlice slice = volume_.ReadSlice(k, t);
    for (int64_t r = 0; r < height; r++)
    {
      // DICOM rows run opposite to NIfTI's j axis (see SeriesGeometry)
      const uint8_t* source = slice.GetRow(height - 1 - r);
      uint8_t* output = target + r * width * 2;
      if (mode_ == Mode::StoredIntegers)
      {
        EncodeStoredIntegers<T>(output, source, width, swap);
        continue;
      }

      for (int64_t c = 0; c < width; c++)
      {
        const T stored = ReadVoxel<T>(source + c * sizeof(T), swap);
        int32_t pixel;

        if (mode_ == Mode::StoredIntegers)
        {
          pixel = static_cast<int32_t>(stored);
        }
        else
        {
          const double real = slope * static_cast<double>(stored) + inter;
          if (std::isfinite(real))
          {
            const double p = std::round((real - rescaleIntercept_) / rescaleSlope_);
            pixel = static_cast<int32_t>(std::min(highest, std::max(lowest, p)));
          }
          else
          {
            pixel = nonFinitePixel_;
          }
        }

        const uint16_t bits = static_cast<uint16_t>(pixel);  // two's complement for int16
        memcpy(output + c * 2, &bits, 2);
      }
    }
  }


  void PixelEncoder::EncodeSlice(std::string& target, int64_t k, int64_t t) const
  {
    target.resize(static_cast<size_t>(volume_.GetWidth() * volume_.GetHeight() * 2));
    EncodeSlice(reinterpret_cast<uint8_t*>(&target[0]), k, t);
  }


  void PixelEncoder::EncodeSlice(uint8_t* output, int64_t k, int64_t t) const
  {
    VisitVoxelType(volume_.GetHeader().datatype, [this, output, k, t](auto tag)
    {
      EncodeRows<typename decltype(tag)::Type>(output, k, t);
    });
  }
}
