#pragma once

#include "Nifti/NiftiHeader.h"

#include <json/value.h>

namespace NiftiToDicom
{
  // What a person checks before converting a file: a JSON description of
  // its header (as shown for an upload).
  class NiftiSummary
  {
  public:
    // {"Version", "Dimensions", "DataType", "VoxelSize", "RepetitionTime"
    //  (4D only, as stored), "Transform", "TransformCode", "Orientation"
    //  (three letters, the way each axis points, e.g. "RAS"), "Description"}.
    // A voxel size or repetition time that is NaN or infinite is null: JSON
    // has no such numbers.
    static Json::Value Describe(const NiftiHeader& header);

    // Three letters for the directions the voxel axes of "affine" point to
    static std::string GetOrientation(const Affine& affine);
  };
}
