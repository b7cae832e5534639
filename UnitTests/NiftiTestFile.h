#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace NiftiTest
{
  // NIfTI data type codes, written out from the NIfTI-1 specification rather
  // than taken from nifti1.h, so that the test files do not depend on the
  // headers the code under test is built with.
  enum Datatype
  {
    DT_UINT8 = 2,
    DT_INT16 = 4,
    DT_INT32 = 8,
    DT_FLOAT32 = 16,
    DT_COMPLEX64 = 32,
    DT_FLOAT64 = 64,
    DT_RGB24 = 128,
    DT_INT8 = 256,
    DT_UINT16 = 512,
    DT_UINT32 = 768,
    DT_INT64 = 1024,
    DT_UINT64 = 1280,
    DT_FLOAT128 = 1536,
    DT_COMPLEX128 = 1792,
    DT_COMPLEX256 = 2048,
    DT_RGBA32 = 2304
  };

  // Bytes per voxel of a data type (2 for unknown codes, so that a file can
  // still be written to test the refusal of the code)
  int GetBytesPerVoxel(int datatype);

  // Builds a single-file NIfTI-1 (.nii) or NIfTI-2 image in memory. Every
  // field is written at its offset from the NIfTI specifications, in native
  // byte order or swapped. Fields are public: a test sets what it needs,
  // including values a valid file would never have.
  class NiftiTestFile
  {
  private:
    std::string  voxels_;        // native byte order
    size_t       voxelSize_;     // element size for byte swapping

  public:
    int          version;        // 1 or 2
    bool         byteSwapped;    // write in the byte order opposite to this machine's
    std::vector<int64_t> dims;   // dim[1], dim[2]...
    int64_t      dim0;           // -1: dims.size()
    int          datatype;
    int          bitpix;         // -1: from the data type
    double       pixdim[8];      // pixdim[0] is qfac
    int          qformCode;
    int          sformCode;
    double       quatern[3];     // b, c, d
    double       qoffset[3];     // x, y, z
    double       srow[3][4];
    double       sclSlope;
    double       sclInter;
    double       calMin;
    double       calMax;
    int          xyztUnits;
    int          intentCode;
    std::string  descrip;
    bool         customMagic;    // use "magic" (padded with zeros) instead of the right one
    std::string  magic;
    double       voxOffset;      // -1: just after the header and its 4-byte extender
    std::string  extension;      // raw bytes written after the extender (before the voxels)

    NiftiTestFile(int version, const std::vector<int64_t>& dims, int datatype);

    size_t GetHeaderSize() const
    {
      return (version == 2 ? 540 : 348);
    }

    // Where the voxels start in the built file
    size_t GetDataOffset() const;

    // Voxel values in native order, i fastest
    template <typename T>
    void SetVoxels(const std::vector<T>& values)
    {
      voxels_.resize(values.size() * sizeof(T));
      if (!values.empty())
      {
        memcpy(&voxels_[0], values.data(), voxels_.size());
      }
      voxelSize_ = sizeof(T);
    }

    // Zero voxels for the product of "dims" with the data type's size
    void SetZeroVoxels();

    void SetRawVoxels(const std::string& bytes, size_t elementSize)
    {
      voxels_ = bytes;
      voxelSize_ = elementSize;
    }

    // Sets sform_code and the three rows of the sform
    void SetSform(int code, const double rows[3][4]);

    // Sets qform_code, the quaternion, the offsets, pixdim[1..3] and qfac
    void SetQform(int code, double b, double c, double d, double qx, double qy, double qz,
                  double dx, double dy, double dz, double qfac);

    std::string Build() const;
  };

  // A well-formed header extension: its size (8 + contentSize rounded up to
  // a multiple of 16), its code, then the content filled with "fill"
  std::string MakeExtension(int32_t code, size_t contentSize, char fill, bool byteSwapped = false);

  // A gzip file with one member
  std::string GzipCompress(const std::string& data);
}
