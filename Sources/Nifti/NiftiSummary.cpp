#include "Nifti/NiftiSummary.h"

#include "Dicom/DicomValues.h"
#include "Plan/SeriesGeometry.h"

#include <cmath>

namespace NiftiToDicom
{
  namespace
  {
    // JSON has no Inf or NaN: JsonCpp writes Inf as 1e+9999, which it cannot
    // read back, so an upload whose summary held one could not be described
    Json::Value FiniteOrNull(double value)
    {
      return std::isfinite(value) ? Json::Value(value) : Json::Value(Json::nullValue);
    }
  }


  std::string NiftiSummary::GetOrientation(const Affine& affine)
  {
    // For each voxel axis, the world axis it runs closest to, and its sign
    static const char POSITIVE[3] = { 'R', 'A', 'S' };
    static const char NEGATIVE[3] = { 'L', 'P', 'I' };

    std::string code;
    for (int column = 0; column < 3; column++)
    {
      int best = 0;
      for (int row = 1; row < 3; row++)
      {
        if (std::fabs(affine(row, column)) > std::fabs(affine(best, column)))
        {
          best = row;
        }
      }
      code.push_back(affine(best, column) >= 0 ? POSITIVE[best] : NEGATIVE[best]);
    }
    return code;
  }


  Json::Value NiftiSummary::Describe(const NiftiHeader& header)
  {
    Json::Value summary(Json::objectValue);
    summary["Version"] = header.version;

    summary["Dimensions"] = Json::Value(Json::arrayValue);
    for (int i = 1; i <= header.dim[0]; i++)
    {
      summary["Dimensions"].append(static_cast<Json::Int64>(header.dim[i]));
    }

    summary["DataType"] = header.GetDatatypeName();

    summary["VoxelSize"] = Json::Value(Json::arrayValue);
    for (int i = 1; i <= 3; i++)
    {
      summary["VoxelSize"].append(FiniteOrNull(header.pixdim[i]));
    }
    if (header.GetSize(4) > 1)
    {
      summary["RepetitionTime"] = FiniteOrNull(header.pixdim[4]);
    }

    const SeriesGeometry::Transform transform = SeriesGeometry::ChooseTransform(header);
    summary["Transform"] = SeriesGeometry::GetSourceName(transform.source);
    summary["TransformCode"] = transform.xformCode;
    summary["Orientation"] = GetOrientation(transform.affine);
    summary["Description"] = DicomValues::ToValidUtf8(header.descrip);
    return summary;
  }
}
