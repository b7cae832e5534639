#include "Nifti/NiftiHeader.h"

#include "Common/ConversionError.h"
#include "Nifti/VoxelType.h"

#include <nifti2_io.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace NiftiToDicom
{
  namespace
  {
    // Rows and Columns are unsigned 16-bit in DICOM
    const int64_t MAX_DICOM_SLICE_SIZE = 65535;

    const char* const ADVICE_NOT_NIFTI = "send a single-file NIfTI-1 or NIfTI-2 image (.nii or .nii.gz)";

    std::string FixedString(const char* field, size_t maxLength)
    {
      size_t length = 0;
      while (length < maxLength && field[length] != '\0')
      {
        length++;
      }
      return std::string(field, length);
    }

    bool IsSupportedDatatype(int datatype)
    {
      return IsScalarVoxelType(datatype) || datatype == NIFTI_TYPE_RGB24;
    }

    void CheckDatatype(int datatype, int bitpix)
    {
      if (datatype == NIFTI_TYPE_RGBA32)
      {
        throw ConversionError(ErrorKind::Unsupported,
                              "NIfTI data type RGBA32 (colour with transparency) has no DICOM image form; "
                              "save the volume as RGB24 (without its alpha channel) and import that");
      }
      if (datatype == NIFTI_TYPE_COMPLEX64 || datatype == NIFTI_TYPE_COMPLEX128 ||
          datatype == NIFTI_TYPE_COMPLEX256 || datatype == NIFTI_TYPE_FLOAT128)
      {
        throw ConversionError(ErrorKind::Unsupported,
                              std::string("NIfTI data type ") + nifti_datatype_string(datatype) +
                              " has no DICOM representation; save the magnitude (or real part) "
                              "as float32 and import that");
      }
      if (!IsSupportedDatatype(datatype))
      {
        throw ConversionError(ErrorKind::Unsupported,
                              "Unknown NIfTI data type code " + std::to_string(datatype) +
                              "; supported types are uint8, int8, int16, uint16, int32, uint32, "
                              "int64, uint64, float32 and float64");
      }

      int bytesPerVoxel = 0, swapSize = 0;
      nifti_datatype_sizes(datatype, &bytesPerVoxel, &swapSize);
      if (bitpix != bytesPerVoxel * 8)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "The NIfTI header is inconsistent: bitpix is " + std::to_string(bitpix) +
                              " but data type " + nifti_datatype_string(datatype) + " needs " +
                              std::to_string(bytesPerVoxel * 8) + "; the file was written incorrectly");
      }
    }

    template <typename RawHeader>
    void CopyCommonFields(NiftiHeader& header, const RawHeader& raw)
    {
      for (int i = 0; i < 8; i++)
      {
        header.dim[i] = raw.dim[i];
        header.pixdim[i] = raw.pixdim[i];
      }
      header.datatype = raw.datatype;
      header.sclSlope = raw.scl_slope;
      header.sclInter = raw.scl_inter;
      header.calMin = raw.cal_min;
      header.calMax = raw.cal_max;
      header.qformCode = raw.qform_code;
      header.sformCode = raw.sform_code;
      header.xyztUnits = raw.xyzt_units;
      header.intentCode = raw.intent_code;
      header.intentName = FixedString(raw.intent_name, sizeof(raw.intent_name));
      header.descrip = FixedString(raw.descrip, sizeof(raw.descrip));

      if (header.qformCode > 0)
      {
        const double qfac = (raw.pixdim[0] < 0) ? -1.0 : 1.0;  // 0 is taken as 1
        nifti_dmat44 q = nifti_quatern_to_dmat44(raw.quatern_b, raw.quatern_c, raw.quatern_d,
                                                 raw.qoffset_x, raw.qoffset_y, raw.qoffset_z,
                                                 raw.pixdim[1], raw.pixdim[2], raw.pixdim[3], qfac);
        for (int r = 0; r < 4; r++)
        {
          for (int c = 0; c < 4; c++)
          {
            header.qform(r, c) = q.m[r][c];
          }
        }
      }

      if (header.sformCode > 0)
      {
        for (int c = 0; c < 4; c++)
        {
          header.sform(0, c) = raw.srow_x[c];
          header.sform(1, c) = raw.srow_y[c];
          header.sform(2, c) = raw.srow_z[c];
        }
      }
    }

    int32_t ReadInt32(const void* data)
    {
      int32_t value;
      memcpy(&value, data, sizeof(value));
      return value;
    }

    int32_t SwapInt32(int32_t value)
    {
      uint32_t u = static_cast<uint32_t>(value);
      u = ((u & 0xff) << 24) | ((u & 0xff00) << 8) | ((u >> 8) & 0xff00) | (u >> 24);
      return static_cast<int32_t>(u);
    }

    void ParseNifti1(NiftiHeader& header, const uint8_t* data)
    {
      nifti_1_header raw;
      memcpy(&raw, data, sizeof(raw));

      const char* magic = raw.magic;
      if (memcmp(magic, "ni1\0", 4) == 0)
      {
        throw ConversionError(ErrorKind::Unsupported,
                              "This is the header of a two-file NIfTI-1 pair (.hdr + .img); "
                              "merge it into a single .nii file (e.g. with nibabel or fslchfiletype) and send that");
      }
      if (memcmp(magic, "n+1\0", 4) != 0)
      {
        throw ConversionError(ErrorKind::Unsupported,
                              "The file has a 348-byte header without the NIfTI magic \"n+1\": it is an "
                              "ANALYZE 7.5 image, which records no orientation and cannot be placed in the "
                              "patient; convert it to NIfTI with a known orientation first");
      }

      // dim[0] outside 1..7 is the NIfTI-1 signal for the other byte order
      if (raw.dim[0] < 1 || raw.dim[0] > 7)
      {
        nifti_swap_as_nifti1(&raw);
        header.byteSwapped = true;
        if (raw.dim[0] < 1 || raw.dim[0] > 7)
        {
          throw ConversionError(ErrorKind::InvalidInput,
                                "The NIfTI-1 header has an invalid number of dimensions (dim[0] must be 1 to 7)");
        }
      }

      header.version = 1;
      header.headerSize = 348;
      CopyCommonFields(header, raw);

      if (!std::isfinite(raw.vox_offset) || raw.vox_offset < 0 ||
          raw.vox_offset != std::floor(raw.vox_offset) ||
          raw.vox_offset > static_cast<float>(std::numeric_limits<int32_t>::max()))
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "The NIfTI-1 header has an invalid vox_offset (offset of the voxel data)");
      }
      header.voxOffset = static_cast<int64_t>(raw.vox_offset);
      CheckDatatype(raw.datatype, raw.bitpix);
    }

    void ParseNifti2(NiftiHeader& header, const uint8_t* data)
    {
      nifti_2_header raw;
      memcpy(&raw, data, sizeof(raw));

      static const char MAGIC[8] = { 'n', '+', '2', '\0', '\r', '\n', '\032', '\n' };
      if (memcmp(raw.magic, "ni2\0", 4) == 0)
      {
        throw ConversionError(ErrorKind::Unsupported,
                              "This is the header of a two-file NIfTI-2 pair (.hdr + .img); "
                              "merge it into a single .nii file and send that");
      }
      if (memcmp(raw.magic, MAGIC, sizeof(MAGIC)) != 0)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              std::string("The file has a 540-byte header without the NIfTI-2 magic \"n+2\"; ") +
                              ADVICE_NOT_NIFTI);
      }

      if (raw.sizeof_hdr != 540)
      {
        nifti_swap_as_nifti2(&raw);
        header.byteSwapped = true;
      }
      if (raw.dim[0] < 1 || raw.dim[0] > 7)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "The NIfTI-2 header has an invalid number of dimensions (dim[0] must be 1 to 7)");
      }

      header.version = 2;
      header.headerSize = 540;
      CopyCommonFields(header, raw);

      if (raw.vox_offset < 0)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "The NIfTI-2 header has a negative vox_offset (offset of the voxel data)");
      }
      header.voxOffset = raw.vox_offset;
      CheckDatatype(raw.datatype, raw.bitpix);
    }

    // Extensions lie between the extender and the voxels, each a size (a
    // multiple of 16, counting its 8-byte size and code) and a code. Bytes
    // beyond "size" (a header read alone) are not checked; zero padding
    // ends the list.
    void CheckExtensions(const NiftiHeader& header, const uint8_t* data, size_t size)
    {
      const uint64_t extender = header.headerSize;
      if (size < extender + 4 || data[extender] == 0)
      {
        return;
      }

      const uint64_t end = static_cast<uint64_t>(header.voxOffset);
      uint64_t position = extender + 4;
      while (position + 16 <= end && position + 8 <= size)
      {
        int32_t extensionSize = ReadInt32(data + position);
        if (header.byteSwapped)
        {
          extensionSize = SwapInt32(extensionSize);
        }
        if (extensionSize == 0)
        {
          return;
        }

        std::string problem;
        if (extensionSize < 16 || extensionSize % 16 != 0)
        {
          problem = "which is not a positive multiple of 16";
        }
        else if (static_cast<uint64_t>(extensionSize) > end - position)
        {
          problem = "which runs past the start of the voxel data (vox_offset " + std::to_string(end) + ")";
        }
        if (!problem.empty())
        {
          throw ConversionError(ErrorKind::InvalidInput,
                                "The NIfTI header extension at byte " + std::to_string(position) +
                                " announces a size of " + std::to_string(extensionSize) + " bytes, " + problem +
                                "; the file was written incorrectly: save it again without extensions "
                                "(e.g. with nibabel) and send that");
        }
        position += static_cast<uint64_t>(extensionSize);
      }
    }

    // Columns and Rows are US (16-bit) in DICOM: a wider slice would be
    // stored with a truncated size beside its full pixel data. Checked after
    // the sizes and the data, whose errors say more about a corrupt header.
    void CheckSliceSize(const NiftiHeader& header)
    {
      static const char* const AXIS_NAMES[3] = { "", "wide", "high" };
      for (int i = 1; i <= 2; i++)
      {
        if (header.GetSize(i) > MAX_DICOM_SLICE_SIZE)
        {
          throw ConversionError(ErrorKind::Unsupported,
                                "The NIfTI slices are " + std::to_string(header.GetSize(i)) + " voxels " +
                                AXIS_NAMES[i] + " (dim[" + std::to_string(i) + "]), but DICOM allows at most " +
                                std::to_string(MAX_DICOM_SLICE_SIZE) + " columns and rows in an image; "
                                "crop or downsample the volume to at most " + std::to_string(MAX_DICOM_SLICE_SIZE) +
                                " voxels along its first two axes");
        }
      }
    }

    // "fileSize": the bytes of the whole file, of which "size" were read
    void CheckDimensions(NiftiHeader& header, uint64_t fileSize, bool checkData)
    {
      for (int i = 1; i <= header.dim[0]; i++)
      {
        if (header.dim[i] <= 0)
        {
          throw ConversionError(ErrorKind::InvalidInput,
                                "The NIfTI header has a non-positive size along dimension " + std::to_string(i) +
                                " (dim[" + std::to_string(i) + "] = " + std::to_string(header.dim[i]) + ")");
        }
      }

      for (int i = 5; i <= 7; i++)
      {
        if (header.GetSize(i) > 1)
        {
          throw ConversionError(ErrorKind::Unsupported,
                                "The NIfTI image has " + std::to_string(header.dim[0]) +
                                " dimensions with more than one value along dimension " + std::to_string(i) +
                                "; only 3D and 4D (time series) volumes can become a DICOM series");
        }
      }

      uint64_t voxels = 1;
      for (int i = 1; i <= 4; i++)
      {
        if (__builtin_mul_overflow(voxels, static_cast<uint64_t>(header.GetSize(i)), &voxels))
        {
          throw ConversionError(ErrorKind::InvalidInput,
                                "The NIfTI dimensions are impossibly large (their product overflows); "
                                "the header is corrupt");
        }
      }

      uint64_t bytes = 0;
      if (__builtin_mul_overflow(voxels, static_cast<uint64_t>(header.bytesPerVoxel), &bytes) ||
          voxels > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "The NIfTI dimensions are impossibly large (their product overflows); "
                              "the header is corrupt");
      }

      // The voxels of a single-file NIfTI follow the header and its 4-byte
      // extender (352 for NIfTI-1, 544 for NIfTI-2); 0 is what some writers
      // leave, and means just there, as nifti_clib reads it
      const int64_t firstDataOffset = static_cast<int64_t>(header.headerSize) + 4;
      if (header.voxOffset == 0)
      {
        header.voxOffset = firstDataOffset;
      }
      else if (header.voxOffset < firstDataOffset)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "The NIfTI-" + std::to_string(header.version) + " header has vox_offset " +
                              std::to_string(header.voxOffset) + ", inside the header: the voxel data of a "
                              "single-file NIfTI-" + std::to_string(header.version) + " starts at byte " +
                              std::to_string(firstDataOffset) + " or later; the file was written incorrectly");
      }

      if (!checkData)
      {
        return;
      }

      const uint64_t available = (static_cast<uint64_t>(header.voxOffset) <= fileSize) ?
        fileSize - static_cast<uint64_t>(header.voxOffset) : 0;
      if (bytes > available)
      {
        std::string shape;
        for (int i = 1; i <= header.dim[0]; i++)
        {
          shape += (i > 1 ? "x" : "") + std::to_string(header.dim[i]);
        }
        throw ConversionError(ErrorKind::InvalidInput,
                              "The NIfTI file is truncated: its header announces " + shape + " voxels of " +
                              header.GetDatatypeName() + " (" + std::to_string(bytes) + " bytes from offset " +
                              std::to_string(header.voxOffset) + "), but only " + std::to_string(available) +
                              " bytes of voxel data are present; upload the complete file");
      }
    }
  }


  int64_t NiftiHeader::GetSize(int axis) const
  {
    return (axis >= 1 && axis <= dim[0]) ? dim[axis] : 1;
  }


  int64_t NiftiHeader::GetVoxelCount() const
  {
    return GetSize(1) * GetSize(2) * GetSize(3) * GetSize(4);
  }


  uint64_t NiftiHeader::GetVoxelBytes() const
  {
    return static_cast<uint64_t>(GetVoxelCount()) * static_cast<uint64_t>(bytesPerVoxel);
  }


  bool NiftiHeader::HasScaling() const
  {
    return std::isfinite(sclSlope) && sclSlope != 0 && std::isfinite(sclInter) &&
      !(sclSlope == 1 && sclInter == 0);
  }


  double NiftiHeader::GetSpatialUnitScale() const
  {
    switch (xyztUnits & 0x07)
    {
      case NIFTI_UNITS_METER:
        return 1000.0;
      case NIFTI_UNITS_MICRON:
        return 0.001;
      default:
        return 1.0;
    }
  }


  const char* NiftiHeader::GetDatatypeName() const
  {
    return nifti_datatype_string(datatype);
  }


  NiftiHeader NiftiHeader::Parse(const void* data, size_t size)
  {
    return ParseInternal(data, size, size, true);
  }


  NiftiHeader NiftiHeader::ParseHeaderOnly(const void* data, size_t size)
  {
    return ParseInternal(data, size, size, false);
  }


  NiftiHeader NiftiHeader::ParseFileStart(const void* data, size_t size, uint64_t fileSize)
  {
    if (size > fileSize)
    {
      throw ConversionError(ErrorKind::Internal, "More bytes were read than the NIfTI file holds");
    }
    return ParseInternal(data, size, fileSize, true);
  }


  NiftiHeader NiftiHeader::ParseInternal(const void* data, size_t size, uint64_t fileSize, bool checkData)
  {
    const uint8_t* bytes = reinterpret_cast<const uint8_t*>(data);
    if (size < 348)
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The data is too short to be a NIfTI file (" + std::to_string(size) +
                            " bytes, a header alone takes 348); " + ADVICE_NOT_NIFTI);
    }

    const int32_t sizeofHdr = ReadInt32(bytes);
    NiftiHeader header;

    if (sizeofHdr == 348 || SwapInt32(sizeofHdr) == 348)
    {
      ParseNifti1(header, bytes);
    }
    else if (sizeofHdr == 540 || SwapInt32(sizeofHdr) == 540)
    {
      if (size < 540)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "The data is too short to hold a NIfTI-2 header (540 bytes); upload the complete file");
      }
      ParseNifti2(header, bytes);
    }
    else
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            std::string("The data is not a NIfTI file (its first 4 bytes are not a NIfTI header size); ") +
                            ADVICE_NOT_NIFTI);
    }

    if (header.intentCode >= 3000 && header.intentCode < 3100)
    {
      throw ConversionError(ErrorKind::Unsupported,
                            "The NIfTI file is a CIFTI file (intent code " + std::to_string(header.intentCode) +
                            "): it holds surface or connectivity data, not a volume, and has no DICOM image form");
    }

    int swapSize = 0;
    nifti_datatype_sizes(header.datatype, &header.bytesPerVoxel, &swapSize);
    CheckDimensions(header, fileSize, checkData);
    CheckExtensions(header, bytes, size);
    CheckSliceSize(header);
    return header;
  }
}
