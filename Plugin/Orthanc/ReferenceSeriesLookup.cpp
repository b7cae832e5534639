#include "Orthanc/ReferenceSeriesLookup.h"

#include "Orthanc/RestHelpers.h"

#include "Common/ConversionError.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace NiftiToDicomPlugin
{
  using namespace NiftiToDicom;

  namespace
  {
    struct Box
    {
      Vector3 low = {{ 1e30, 1e30, 1e30 }};
      Vector3 high = {{ -1e30, -1e30, -1e30 }};

      void Add(const Vector3& p)
      {
        for (int i = 0; i < 3; i++)
        {
          low[i] = std::min(low[i], p[i]);
          high[i] = std::max(high[i], p[i]);
        }
      }

      bool Overlaps(const Box& other, double tolerance) const
      {
        for (int i = 0; i < 3; i++)
        {
          if (high[i] + tolerance < other.low[i] || other.high[i] + tolerance < low[i])
          {
            return false;
          }
        }
        return true;
      }
    };

    std::vector<double> ParseDecimals(const std::string& text)
    {
      std::vector<double> values;
      std::stringstream stream(text);
      std::string item;
      while (std::getline(stream, item, '\\'))
      {
        values.push_back(atof(item.c_str()));
      }
      return values;
    }

    Vector3 Add(const Vector3& a, const Vector3& b, double s)
    {
      return {{ a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2] }};
    }

    ConversionError NoSuchSeries(const std::string& id)
    {
      return ConversionError(ErrorKind::UnknownResource,
                             "No series \"" + id + "\" in Orthanc: \"ReferenceSeries\" must be the Orthanc ID of the "
                             "series the NIfTI was computed from (as in /series/<id>)");
    }

    // The corners of the voxel grid of the NIfTI, in LPS
    Box NiftiBox(const SeriesGeometry& geometry)
    {
      Box box;
      for (int64_t k : { static_cast<int64_t>(0), geometry.GetSlices() - 1 })
      {
        const Vector3 origin = geometry.GetSlicePosition(k);
        for (int64_t c : { static_cast<int64_t>(0), geometry.GetColumns() - 1 })
        {
          for (int64_t r : { static_cast<int64_t>(0), geometry.GetRows() - 1 })
          {
            box.Add(Add(Add(origin, geometry.GetRowDirection(), c * geometry.GetColumnSpacing()),
                        geometry.GetColumnDirection(), r * geometry.GetRowSpacing()));
          }
        }
      }
      return box;
    }
  }


  void ReferenceSeriesLookup::Check(const std::string& seriesId, const std::string& parentStudyId)
  {
    Json::Value series;
    if (!RestHelpers::GetJson(series, "/series/" + seriesId))
    {
      throw NoSuchSeries(seriesId);
    }
    if (series["ParentStudy"].asString() != parentStudyId)
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "\"ReferenceSeries\" " + seriesId + " belongs to another study than \"ParentStudy\"");
    }
  }


  ReferenceSeries ReferenceSeriesLookup::Read(std::string& modality, std::vector<std::string>& warnings,
                                              const std::string& seriesId, const SeriesGeometry& geometry)
  {
    Json::Value instances;
    if (!RestHelpers::GetJson(instances, "/series/" + seriesId + "/instances") || instances.size() == 0)
    {
      throw NoSuchSeries(seriesId);
    }

    Json::Value first;
    if (!RestHelpers::GetJson(first, "/instances/" + instances[0]["ID"].asString() + "/simplified-tags"))
    {
      throw NoSuchSeries(seriesId);
    }

    ReferenceSeries reference;
    reference.seriesInstanceUid = first["SeriesInstanceUID"].asString();
    reference.frameOfReferenceUid = first["FrameOfReferenceUID"].asString();
    modality = first["Modality"].asString();

    const std::string sopClassUid = first["SOPClassUID"].asString();
    for (const Json::Value& instance : instances)
    {
      ReferencedImage image;
      image.sopClassUid = sopClassUid;
      image.sopInstanceUid = instance["MainDicomTags"]["SOPInstanceUID"].asString();
      const std::vector<double> p = ParseDecimals(instance["MainDicomTags"]["ImagePositionPatient"].asString());
      if (p.size() == 3)
      {
        image.hasPosition = true;
        std::copy(p.begin(), p.end(), image.position);
      }
      const std::vector<double> o = ParseDecimals(instance["MainDicomTags"]["ImageOrientationPatient"].asString());
      if (o.size() == 6)
      {
        image.hasOrientation = true;
        std::copy(o.begin(), o.end(), image.orientation);
      }
      reference.images.push_back(image);
    }

    // The region the reference images cover, from each slice's corners
    Box referenceBox;
    const std::vector<double> orientation = ParseDecimals(first["ImageOrientationPatient"].asString());
    const std::vector<double> spacing = ParseDecimals(first["PixelSpacing"].asString());
    const double rows = atof(first["Rows"].asString().c_str());
    const double columns = atof(first["Columns"].asString().c_str());
    bool hasExtent = (orientation.size() == 6 && spacing.size() == 2);
    if (hasExtent && rows > 0 && columns > 0)
    {
      // Where an RT Structure Set draws its contours
      reference.hasGeometry = true;
      std::copy(orientation.begin(), orientation.end(), reference.orientation);
      std::copy(spacing.begin(), spacing.end(), reference.pixelSpacing);
      reference.rows = static_cast<int64_t>(rows);
      reference.columns = static_cast<int64_t>(columns);
    }
    if (hasExtent)
    {
      const Vector3 x = {{ orientation[0], orientation[1], orientation[2] }};
      const Vector3 y = {{ orientation[3], orientation[4], orientation[5] }};
      for (const Json::Value& instance : instances)
      {
        const std::vector<double> p = ParseDecimals(instance["MainDicomTags"]["ImagePositionPatient"].asString());
        if (p.size() != 3)
        {
          hasExtent = false;
          break;
        }
        const Vector3 origin = {{ p[0], p[1], p[2] }};
        for (double c : { 0.0, columns - 1 })
        {
          for (double r : { 0.0, rows - 1 })
          {
            referenceBox.Add(Add(Add(origin, x, c * spacing[1]), y, r * spacing[0]));
          }
        }
      }
    }

    if (reference.frameOfReferenceUid.empty())
    {
      warnings.push_back("The reference series has no FrameOfReferenceUID: the new series got its own");
    }
    else if (geometry.GetXformCode() != 1)
    {
      warnings.push_back("The NIfTI is not in the scanner space of the reference exam (its " +
                         std::string(geometry.GetSourceName()) + " code is " +
                         std::to_string(geometry.GetXformCode()) + ", not 1 = SCANNER_ANAT): the new series got "
                         "its own frame of reference");
    }
    else if (!hasExtent || !NiftiBox(geometry).Overlaps(referenceBox, 1.0))
    {
      warnings.push_back("The NIfTI does not overlap the region imaged by the reference series: the new series got "
                         "its own frame of reference");
    }
    else
    {
      reference.sameFrameOfReference = true;
    }

    return reference;
  }
}
