#include "Metadata/DiffusionTable.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomValues.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dctag.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace NiftiToDicom
{
  namespace
  {
    // Below this norm, a bvec vector is taken as "no direction"
    const double ZERO_VECTOR = 1e-6;

    // Up to this b-value (s/mm2), a volume without direction is a b = 0
    // volume whose imaging gradients left a residual weighting (UIH writes
    // b = 1.25 with a zero vector): not a trace image. dcm2niix draws the
    // same line (it calls b > 5 without direction a derived trace/ADC).
    const double RESIDUAL_B_VALUE = 5;

    double LargestMagnitude(const Vector3& v)
    {
      return std::max(std::fabs(v[0]), std::max(std::fabs(v[1]), std::fabs(v[2])));
    }

    // Scaled by the largest component first: the squares of components
    // above 1e154 overflow (and below 1e-154 underflow)
    double Norm(const Vector3& v)
    {
      const double scale = LargestMagnitude(v);
      if (scale == 0 || !std::isfinite(scale))
      {
        return scale;
      }
      const double x = v[0] / scale;
      const double y = v[1] / scale;
      const double z = v[2] / scale;
      return scale * std::sqrt(x * x + y * y + z * z);
    }


    // The numbers of each non-blank line of "text"
    std::vector<std::vector<double> > ReadRows(const std::string& text, const std::string& fileName)
    {
      std::string content = text;
      if (content.compare(0, 3, "\xEF\xBB\xBF") == 0)
      {
        content.erase(0, 3);  // UTF-8 byte order mark of some Windows editors
      }

      std::vector<std::vector<double> > rows;
      std::istringstream lines(content);
      std::string line;
      size_t lineNumber = 0;
      while (std::getline(lines, line))
      {
        lineNumber++;
        std::istringstream tokens(line);
        std::string token;
        std::vector<double> row;
        while (tokens >> token)
        {
          errno = 0;
          char* end = nullptr;
          const double value = strtod(token.c_str(), &end);
          // Where: the line and the rank of the number on it
          const std::string where = fileName + ": \"" + token.substr(0, 32) + "\" on line " +
            std::to_string(lineNumber);
          const std::string rank = " (number " + std::to_string(row.size() + 1) + " of the line)";
          if (end == token.c_str() || *end != '\0')
          {
            throw ConversionError(ErrorKind::InvalidInput,
                                  where + " is not a number" + rank + "; the file must hold numbers separated by "
                                  "spaces (FSL format), e.g. \"0 1000 1000\"");
          }
          if (errno == ERANGE || !std::isfinite(value))
          {
            throw ConversionError(ErrorKind::InvalidInput,
                                  where + " is not a number that can be stored" + rank + ": NaN, infinite, or "
                                  "beyond the range of float64 (about 1e-308 to 1e308)");
          }
          row.push_back(value);
        }
        if (!row.empty())
        {
          rows.push_back(row);
        }
      }
      return rows;
    }


    // "3 rows of 5 numbers", "2 rows of 5, 4 numbers"
    std::string DescribeRows(const std::vector<std::vector<double> >& rows)
    {
      if (rows.empty())
      {
        return "no numbers";
      }

      bool sameLength = true;
      for (const auto& row : rows)
      {
        sameLength = sameLength && (row.size() == rows[0].size());
      }

      std::string s = std::to_string(rows.size()) + (rows.size() == 1 ? " row of " : " rows of ");
      if (sameLength)
      {
        s += std::to_string(rows[0].size());
      }
      else
      {
        for (size_t i = 0; i < rows.size() && i < 8; i++)
        {
          s += (i == 0 ? "" : ", ") + std::to_string(rows[i].size());
        }
        if (rows.size() > 8)
        {
          s += "...";
        }
      }
      return s + " numbers";
    }
  }


  DiffusionTable DiffusionTable::Parse(const std::string& bval, const std::string& bvec, int64_t volumes)
  {
    if (volumes < 1)
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "A diffusion table (bval/bvec) needs a NIfTI with at least one volume; it has " +
                            std::to_string(volumes));
    }
    const size_t count = static_cast<size_t>(volumes);
    const std::string v = std::to_string(volumes);

    DiffusionTable result;

    // b-values: one per volume, on one line (FSL) or one per line
    for (const auto& row : ReadRows(bval, "bval"))
    {
      result.bValues_.insert(result.bValues_.end(), row.begin(), row.end());
    }
    if (result.bValues_.size() != count)
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "bval holds " + std::to_string(result.bValues_.size()) + " b-values but the NIfTI has " +
                            v + " volumes: give one b-value (s/mm2) per volume");
    }
    for (size_t t = 0; t < count; t++)
    {
      if (result.bValues_[t] < 0)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "bval: the b-value of volume " + std::to_string(t) + " is negative (" +
                              DicomValues::FormatDecimal(result.bValues_[t]) + "); b-values are 0 or more, in s/mm2");
      }
    }

    // Gradient directions: 3 rows (x, y, z) of one number per volume, or
    // the transpose. With 3 volumes both read the same: FSL's rows win.
    const std::vector<std::vector<double> > rows = ReadRows(bvec, "bvec");
    bool isFsl = (rows.size() == 3);
    for (const auto& row : rows)
    {
      isFsl = isFsl && (row.size() == count);
    }

    bool isTransposed = (rows.size() == count);
    for (const auto& row : rows)
    {
      isTransposed = isTransposed && (row.size() == 3);
    }

    if (isFsl)
    {
      for (size_t t = 0; t < count; t++)
      {
        result.vectors_.push_back({{ rows[0][t], rows[1][t], rows[2][t] }});
      }
    }
    else if (isTransposed)
    {
      for (size_t t = 0; t < count; t++)
      {
        result.vectors_.push_back({{ rows[t][0], rows[t][1], rows[t][2] }});
      }
    }
    else
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "bvec holds " + DescribeRows(rows) + " but the NIfTI has " + v + " volumes: give 3 rows "
                            "(x, y, z) of " + v + " numbers (FSL format), or " + v + " rows of 3 numbers");
    }

    return result;
  }


  void DiffusionTable::CheckVolume(int64_t t) const
  {
    if (t < 0 || t >= GetVolumes())
    {
      throw ConversionError(ErrorKind::Internal, "Diffusion table: volume " + std::to_string(t) +
                            " out of range (" + std::to_string(GetVolumes()) + " volumes)");
    }
  }


  double DiffusionTable::GetBValue(int64_t t) const
  {
    CheckVolume(t);
    return bValues_[static_cast<size_t>(t)];
  }


  bool DiffusionTable::IsDiffusionWeighted(int64_t t) const
  {
    return GetBValue(t) > 0;
  }


  const Vector3& DiffusionTable::GetFslVector(int64_t t) const
  {
    CheckVolume(t);
    return vectors_[static_cast<size_t>(t)];
  }


  Vector3 DiffusionTable::GetGradientLps(int64_t t, const Affine& affine) const
  {
    const Vector3& fsl = GetFslVector(t);
    if (!IsDiffusionWeighted(t) || Norm(fsl) < ZERO_VECTOR)
    {
      return {{ 0, 0, 0 }};
    }

    // Directions of the voxel axes i, j, k in RAS
    Vector3 axes[3];
    for (int c = 0; c < 3; c++)
    {
      axes[c] = affine.Column(c);
      const double norm = Norm(axes[c]);
      if (!std::isfinite(norm) || norm <= 0)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "The affine of the NIfTI has a zero or invalid voxel axis: the diffusion "
                              "directions cannot be placed in the patient");
      }
      for (int r = 0; r < 3; r++)
      {
        axes[c][r] /= norm;
      }
    }

    const double determinant =
      axes[0][0] * (axes[1][1] * axes[2][2] - axes[2][1] * axes[1][2]) -
      axes[1][0] * (axes[0][1] * axes[2][2] - axes[2][1] * axes[0][2]) +
      axes[2][0] * (axes[0][1] * axes[1][2] - axes[1][1] * axes[0][2]);

    // FSL's vectors are in radiological voxel order: x is flipped for
    // images stored in neurological order (positive determinant)
    // Only the direction matters: scaled so that no product below can
    // overflow (a component of 1.7e308 gave NaN)
    Vector3 b = fsl;
    const double scale = LargestMagnitude(fsl);
    for (double& x : b)
    {
      x /= scale;
    }
    if (determinant > 0)
    {
      b[0] = -b[0];
    }

    Vector3 ras = {{ 0, 0, 0 }};
    for (int c = 0; c < 3; c++)
    {
      for (int r = 0; r < 3; r++)
      {
        ras[r] += axes[c][r] * b[c];
      }
    }

    Vector3 lps = {{ -ras[0], -ras[1], ras[2] }};
    const double norm = Norm(lps);
    if (!(norm > ZERO_VECTOR))
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The voxel axes of the NIfTI affine are not independent: the diffusion direction of "
                            "volume " + std::to_string(t) + " cannot be placed in the patient");
    }
    for (double& x : lps)
    {
      x /= norm;
    }
    return lps;
  }


  std::string DiffusionTable::GetDirectionality(int64_t t) const
  {
    if (!IsDiffusionWeighted(t))
    {
      return "NONE";
    }
    else if (Norm(GetFslVector(t)) < ZERO_VECTOR)
    {
      // ISOTROPIC would make readers split the volume off as a trace image
      return GetBValue(t) <= RESIDUAL_B_VALUE ? "NONE" : "ISOTROPIC";
    }
    else
    {
      return "DIRECTIONAL";
    }
  }


  double DiffusionTable::GetWrittenBValue(int64_t t) const
  {
    // A residual b without direction is written as the b = 0 volume it is:
    // readers that meet a non-zero b without direction (dcm2niix, whatever
    // the directionality says) take the volume for a trace/ADC image
    return GetDirectionality(t) == "NONE" ? 0 : GetBValue(t);
  }


  std::vector<int64_t> DiffusionTable::GetResidualVolumes() const
  {
    std::vector<int64_t> volumes;
    for (int64_t t = 0; t < GetVolumes(); t++)
    {
      if (GetBValue(t) != 0 && GetWrittenBValue(t) == 0)
      {
        volumes.push_back(t);
      }
    }
    return volumes;
  }


  void DiffusionTable::ApplyTo(DcmItem& item, int64_t t, const Affine& affine) const
  {
    const Vector3 gradient = GetGradientLps(t, affine);
    const std::string directionality = GetDirectionality(t);

    const double bValue = GetWrittenBValue(t);

    // putAndInsertFloat64() creates a new element at each call: the three
    // values of the orientation go in at once
    if (item.putAndInsertFloat64(DCM_DiffusionBValue, bValue).bad() ||
        item.putAndInsertFloat64Array(DCM_DiffusionGradientOrientation, gradient.data(), 3).bad() ||
        item.putAndInsertString(DCM_DiffusionDirectionality, directionality.c_str()).bad())
    {
      throw ConversionError(ErrorKind::Internal, "Cannot set the diffusion attributes of volume " + std::to_string(t));
    }
  }
}
