#include "Contours/LabelContours.h"

#include "Common/ConversionError.h"
#include "Contours/VoxelBoundaryTracer.h"
#include "Dicom/DicomValues.h"
#include "Nifti/VoxelReader.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>

namespace NiftiToDicom
{
  namespace
  {
    struct Box
    {
      int32_t cLow, cHigh, rLow, rHigh;   // inclusive
    };

    ConversionError TooLarge(const std::string& what, const char* option)
    {
      return ConversionError(ErrorKind::TooLarge,
                             what + " exceeds the configuration option " + option + "; raise the option, or send a "
                             "label map with fewer or simpler structures");
    }

    // The label values of DICOM slice k (rows top to bottom), checked
    void ReadSlice(std::vector<uint16_t>& labels, VoxelReader& reader, int64_t columns, int64_t rows, int64_t k)
    {
      labels.resize(static_cast<size_t>(columns * rows));
      std::vector<double> row;
      for (int64_t r = 0; r < rows; r++)
      {
        reader.ReadDicomRow(row, r, k, 0);
        for (int64_t c = 0; c < columns; c++)
        {
          const double v = row[c];
          if (!std::isfinite(v) || v != std::floor(v) || v < 0 || v > 65535)
          {
            throw ConversionError(ErrorKind::InvalidInput,
                                  "A label map must hold whole numbers from 0 (background) to 65535; this NIfTI "
                                  "holds " + (std::isnan(v) ? std::string("NaN (not a number)") :
                                              std::isinf(v) ? std::string("an infinite value") :
                                              DicomValues::FormatDecimal(v)));
          }
          labels[static_cast<size_t>(r * columns + c)] = static_cast<uint16_t>(v);
        }
      }
    }
  }


  std::vector<LabelContours::Roi> LabelContours::Extract(const NiftiVolume& volume, const SeriesGeometry& geometry,
                                                         const std::vector<ReferencePlanes::Plane>& planes,
                                                         const Vector3& normal, const SeriesLimits& limits)
  {
    if (volume.GetTimePoints() > 1)
    {
      throw ConversionError(ErrorKind::Unsupported,
                            "An RT Structure Set is made from a 3D label map; this NIfTI has " +
                            std::to_string(volume.GetTimePoints()) + " volumes");
    }

    const int64_t columns = geometry.GetColumns();
    const int64_t rows = geometry.GetRows();
    if (columns > INT32_MAX - 1 || rows > INT32_MAX - 1)
    {
      throw ConversionError(ErrorKind::Unsupported, "The slices of the label map are too large to be traced");
    }

    VoxelReader reader(volume);
    std::map<int64_t, Roi> rois;
    int64_t contours = 0;
    uint64_t bytes = 0;

    std::vector<uint16_t> labels;
    int64_t loaded = -1;
    std::vector<uint8_t> mask;
    for (size_t p = 0; p < planes.size(); p++)
    {
      const ReferencePlanes::Plane& plane = planes[p];
      if (plane.slice != loaded)
      {
        ReadSlice(labels, reader, columns, rows, plane.slice);
        loaded = plane.slice;
      }

      // The box each label of this slice occupies: each is traced in its
      // own box, so that 100 small structures cost 100 small masks
      std::map<uint16_t, Box> boxes;
      for (int32_t r = 0; r < rows; r++)
      {
        for (int32_t c = 0; c < columns; c++)
        {
          const uint16_t value = labels[static_cast<size_t>(r) * columns + c];
          if (value == 0)
          {
            continue;
          }
          auto box = boxes.find(value);
          if (box == boxes.end())
          {
            boxes[value] = { c, c, r, r };
            if (rois.count(value) == 0)
            {
              if (static_cast<int64_t>(rois.size()) + 1 > limits.maximumSegments)
              {
                throw TooLarge("The number of labels of the label map (one ROI each: " +
                               std::to_string(rois.size() + 1) + " or more)", "MaximumSegments");
              }
              rois[value].label = value;
            }
          }
          else
          {
            box->second.cLow = std::min(box->second.cLow, c);
            box->second.cHigh = std::max(box->second.cHigh, c);
            box->second.rHigh = r;
          }
        }
      }

      const Vector3 origin = geometry.GetSlicePosition(plane.slice);
      for (const auto& entry : boxes)
      {
        const Box& box = entry.second;
        const int32_t width = box.cHigh - box.cLow + 1;
        const int32_t height = box.rHigh - box.rLow + 1;
        mask.assign(static_cast<size_t>(width) * height, 0);
        for (int32_t r = 0; r < height; r++)
        {
          const uint16_t* source = &labels[static_cast<size_t>(box.rLow + r) * columns + box.cLow];
          for (int32_t c = 0; c < width; c++)
          {
            mask[static_cast<size_t>(r) * width + c] = (source[c] == entry.first) ? 1 : 0;
          }
        }

        Roi& roi = rois[entry.first];
        for (const VoxelBoundaryTracer::Polygon& polygon : VoxelBoundaryTracer::Trace(mask, width, height))
        {
          contours++;
          bytes += polygon.size() * BYTES_PER_POINT;
          if (contours > limits.maximumFrames)
          {
            throw TooLarge("The number of contours of the RT Structure Set (" + std::to_string(contours) +
                           " or more)", "MaximumFrames");
          }
          if (bytes > limits.maximumSegmentationBytes)
          {
            throw TooLarge("The contour data of the RT Structure Set (" + std::to_string(bytes / (1024 * 1024)) +
                           " MB or more)", "MaximumSegmentationSize");
          }

          // Corner (x, y) of the box is the pixel edge at column
          // cLow + x - 0.5 and row rLow + y - 0.5; then onto the plane
          Contour contour;
          contour.plane = p;
          contour.points.reserve(polygon.size() * 3);
          for (const VoxelBoundaryTracer::Corner& corner : polygon)
          {
            const double c = (box.cLow + corner.x - 0.5) * geometry.GetColumnSpacing();
            const double r = (box.rLow + corner.y - 0.5) * geometry.GetRowSpacing();
            Vector3 point;
            for (int i = 0; i < 3; i++)
            {
              point[i] = origin[i] + c * geometry.GetRowDirection()[i] + r * geometry.GetColumnDirection()[i];
            }
            const double off = plane.distance - (point[0] * normal[0] + point[1] * normal[1] + point[2] * normal[2]);
            for (int i = 0; i < 3; i++)
            {
              contour.points.push_back(point[i] + off * normal[i]);
            }
          }
          roi.contours.push_back(std::move(contour));
        }
      }
    }

    std::vector<Roi> result;
    for (auto& entry : rois)
    {
      result.push_back(std::move(entry.second));
    }
    return result;
  }
}
