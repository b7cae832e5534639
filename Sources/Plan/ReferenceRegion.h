#pragma once

#include "Plan/SeriesGeometry.h"

#include <json/value.h>

namespace NiftiToDicom
{
  // The region of the patient (LPS, mm) that the images of a reference
  // series show, from each instance's own geometry wherever it keeps it:
  // the top level of classic images, the per-frame and shared functional
  // groups of enhanced ones, the nested items of vendor mosaics that give
  // one position per slice (UIH), or the tile grid of a Siemens mosaic
  // (one ImagePositionPatient for the whole grid). The new series shares
  // the reference's frame of reference only if its NIfTI overlaps it.
  class ReferenceRegion
  {
  private:
    Vector3  low_;
    Vector3  high_;
    bool     empty_ = true;

    void Add(const Vector3& point);

  public:
    ReferenceRegion();

    // The numbers of a multi-valued DS of Orthanc's JSON ("1\\0\\0"); empty
    // if it is not a string or a value is not a finite, plausible number
    static std::vector<double> ParseDecimals(const Json::Value& value);

    bool IsEmpty() const
    {
      return empty_;
    }

    // The rectangle of a "rows" x "columns" image at "origin" (the centre of
    // its first pixel), "x" the direction of the rows, "y" of the columns
    void AddPlane(const Vector3& origin, const Vector3& x, const Vector3& y, double rowSpacing,
                  double columnSpacing, double rows, double columns);

    // The planes of one instance, from its tags as Orthanc gives them
    // (/instances/{id}/tags?simplify: keyword or "gggg,eeee" keys, strings,
    // arrays of objects for sequences). Returns false if no position with
    // an orientation and a pixel spacing was found.
    bool AddInstance(const Json::Value& tags);

    // Whether the voxel grid of "geometry" comes within "tolerance" mm of
    // the region (boxes aligned with the patient axes)
    bool Overlaps(const SeriesGeometry& geometry, double tolerance) const;
  };
}
