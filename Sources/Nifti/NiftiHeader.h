#pragma once

#include "Nifti/Affine.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace NiftiToDicom
{
  enum class XformCode
  {
    Unknown = 0,
    ScannerAnat = 1,
    AlignedAnat = 2,
    Talairach = 3,
    Mni152 = 4,
    TemplateOther = 5
  };

  // The fields of a NIfTI-1 or NIfTI-2 header that the conversion needs,
  // in native byte order and 64-bit types whatever the file's version.
  // Parse() validates everything that could make later arithmetic unsafe.
  struct NiftiHeader
  {
    int version = 1;             // 1 or 2
    bool byteSwapped = false;    // file is in the other byte order
    size_t headerSize = 348;     // 348 or 540

    int64_t dim[8] = { 0 };      // dim[0] = number of dimensions
    double pixdim[8] = { 0 };

    int datatype = 0;            // NIFTI_TYPE_* code
    int bytesPerVoxel = 0;
    int64_t voxOffset = 0;

    double sclSlope = 0;
    double sclInter = 0;
    double calMin = 0;
    double calMax = 0;

    int qformCode = 0;
    int sformCode = 0;
    Affine qform;                // valid when qformCode > 0
    Affine sform;                // valid when sformCode > 0

    int xyztUnits = 0;
    int intentCode = 0;
    std::string intentName;
    std::string descrip;

    // Size of the image along one axis (1 beyond dim[0])
    int64_t GetSize(int axis) const;   // axis 1..7

    int64_t GetVoxelCount() const;      // over all dimensions, overflow-checked by Parse()
    uint64_t GetVoxelBytes() const;

    bool HasScaling() const;            // scl_slope finite and non-zero

    // Millimetres per spatial unit (1 when the unit is unknown)
    double GetSpatialUnitScale() const;

    const char* GetDatatypeName() const;

    // Reads the header at the start of "data" (a whole .nii file) and checks
    // it against "size", the number of bytes available.
    static NiftiHeader Parse(const void* data, size_t size);

    // The same checks, except that the voxel data need not follow: for the
    // first bytes of a file, e.g. to describe an upload.
    static NiftiHeader ParseHeaderOnly(const void* data, size_t size);

    // The checks of Parse() on the first "size" bytes of a file of
    // "fileSize" bytes (the voxels are read later, from the file): "size"
    // must reach vox_offset for every extension to be checked.
    static NiftiHeader ParseFileStart(const void* data, size_t size, uint64_t fileSize);

  private:
    static NiftiHeader ParseInternal(const void* data, size_t size, uint64_t fileSize, bool checkData);
  };
}
