#include "Orthanc/ReferenceSeriesLookup.h"

#include "Orthanc/RestHelpers.h"

#include "Common/ConversionError.h"
#include "Plan/ReferenceRegion.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace NiftiToDicomPlugin
{
  using namespace NiftiToDicom;

  namespace
  {
    // Instances whose geometry is read from their own tags, at most: a
    // series of more is sampled evenly (first and last included)
    const size_t MAX_INSTANCES_READ = 256;

    ConversionError NoSuchSeries(const std::string& id)
    {
      return ConversionError(ErrorKind::UnknownResource,
                             "No series \"" + id + "\" in Orthanc: \"ReferenceSeries\" must be the Orthanc ID of the "
                             "series the NIfTI was computed from (as in /series/<id>)");
    }

    // A classic series keeps each slice's position in Orthanc's index: no
    // file to read. Enhanced images (positions in functional groups) and
    // vendor mosaics (one position for several slices, or positions in a
    // private sequence) are read from their files.
    bool IsPlainSlice(const Json::Value& tags)
    {
      const std::string frames = tags["NumberOfFrames"].asString();
      return tags["ImagePositionPatient"].isString() &&
             (frames.empty() || frames == "1") &&
             ("\\" + tags["ImageType"].asString() + "\\").find("\\MOSAIC\\") == std::string::npos;
    }

    // The Siemens number of slices of a mosaic, when Orthanc does not name
    // the private tag: its raw value (US, little endian, or text)
    void AddMosaicImages(Json::Value& tags, const std::string& instanceId)
    {
      if (tags.isMember("NumberOfImagesInMosaic") || tags.isMember("0019,100a"))
      {
        return;
      }
      std::string raw;
      if (RestHelpers::GetString(raw, "/instances/" + instanceId + "/content/0019-100a"))
      {
        if (raw.size() == 2)
        {
          const unsigned int count = static_cast<unsigned char>(raw[0]) + 256u * static_cast<unsigned char>(raw[1]);
          tags["0019,100a"] = std::to_string(count);
        }
        else
        {
          tags["0019,100a"] = raw;
        }
      }
    }

    ReferenceRegion ReadRegion(const Json::Value& instances, const Json::Value& first)
    {
      ReferenceRegion region;
      if (IsPlainSlice(first))
      {
        for (const Json::Value& instance : instances)
        {
          Json::Value tags = first;
          tags["ImagePositionPatient"] = instance["MainDicomTags"]["ImagePositionPatient"];
          if (!region.AddInstance(tags))
          {
            return ReferenceRegion();   // a slice without position: no region
          }
        }
        return region;
      }

      // Every instance, or an even sample of them and the last one
      const size_t count = instances.size();
      const size_t step = (count + MAX_INSTANCES_READ - 1) / MAX_INSTANCES_READ;
      for (size_t i = 0; ; i = std::min(i + step, count - 1))
      {
        const std::string id = instances[static_cast<Json::ArrayIndex>(i)]["ID"].asString();
        Json::Value tags;
        if (RestHelpers::GetJson(tags, "/instances/" + id + "/tags?simplify"))
        {
          AddMosaicImages(tags, id);
          region.AddInstance(tags);
        }
        if (i == count - 1)
        {
          break;
        }
      }
      return region;
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
      const std::vector<double> p = ReferenceRegion::ParseDecimals(instance["MainDicomTags"]["ImagePositionPatient"]);
      if (p.size() == 3 && IsPlainSlice(first))   // a mosaic's position is not a slice's
      {
        image.hasPosition = true;
        std::copy(p.begin(), p.end(), image.position);
      }
      const std::vector<double> o = ReferenceRegion::ParseDecimals(instance["MainDicomTags"]["ImageOrientationPatient"]);
      if (o.size() == 6)
      {
        image.hasOrientation = true;
        std::copy(o.begin(), o.end(), image.orientation);
      }
      reference.images.push_back(image);
    }

    // Where an RT Structure Set draws its contours
    const std::vector<double> orientation = ReferenceRegion::ParseDecimals(first["ImageOrientationPatient"]);
    const std::vector<double> spacing = ReferenceRegion::ParseDecimals(first["PixelSpacing"]);
    const double rows = atof(first["Rows"].asString().c_str());
    const double columns = atof(first["Columns"].asString().c_str());
    if (orientation.size() == 6 && spacing.size() == 2 && rows > 0 && columns > 0)
    {
      reference.hasGeometry = true;
      std::copy(orientation.begin(), orientation.end(), reference.orientation);
      std::copy(spacing.begin(), spacing.end(), reference.pixelSpacing);
      reference.rows = static_cast<int64_t>(rows);
      reference.columns = static_cast<int64_t>(columns);
    }

    // The region the reference images cover, from their own geometry
    const ReferenceRegion region = ReadRegion(instances, first);

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
    else if (region.IsEmpty())
    {
      warnings.push_back("The images of the reference series give no position, orientation and pixel spacing: "
                         "whether the NIfTI lies in their region is unknown, so the new series got its own frame "
                         "of reference");
    }
    else if (!region.Overlaps(geometry, 1.0))
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
