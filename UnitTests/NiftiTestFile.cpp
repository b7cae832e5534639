#include "NiftiTestFile.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace NiftiTest
{
  namespace
  {
    class HeaderWriter
    {
    private:
      std::string& buffer_;
      bool swap_;

    public:
      HeaderWriter(std::string& buffer, bool swap) :
        buffer_(buffer),
        swap_(swap)
      {
      }

      template <typename T>
      void Put(size_t offset, T value)
      {
        if (offset + sizeof(T) > buffer_.size())
        {
          throw std::logic_error("NiftiTestFile: field beyond the header");
        }
        uint8_t bytes[sizeof(T)];
        memcpy(bytes, &value, sizeof(T));
        if (swap_)
        {
          std::reverse(bytes, bytes + sizeof(T));
        }
        memcpy(&buffer_[offset], bytes, sizeof(T));
      }

      void PutString(size_t offset, const std::string& value, size_t maxLength)
      {
        memcpy(&buffer_[offset], value.data(), std::min(value.size(), maxLength));
      }
    };

    void WriteNifti1(std::string& h, const NiftiTestFile& f, int bitpix, int64_t dim0)
    {
      HeaderWriter w(h, f.byteSwapped);
      w.Put<int32_t>(0, 348);
      w.Put<int16_t>(40, static_cast<int16_t>(dim0));
      for (size_t i = 0; i < f.dims.size() && i < 7; i++)
      {
        w.Put<int16_t>(42 + 2 * i, static_cast<int16_t>(f.dims[i]));
      }
      w.Put<int16_t>(68, static_cast<int16_t>(f.intentCode));
      w.Put<int16_t>(70, static_cast<int16_t>(f.datatype));
      w.Put<int16_t>(72, static_cast<int16_t>(bitpix));
      for (int i = 0; i < 8; i++)
      {
        w.Put<float>(76 + 4 * i, static_cast<float>(f.pixdim[i]));
      }
      w.Put<float>(108, static_cast<float>(f.voxOffset == -1 ?
                                           static_cast<double>(f.GetDataOffset()) : f.voxOffset));
      w.Put<float>(112, static_cast<float>(f.sclSlope));
      w.Put<float>(116, static_cast<float>(f.sclInter));
      w.Put<uint8_t>(123, static_cast<uint8_t>(f.xyztUnits));
      w.Put<float>(124, static_cast<float>(f.calMax));
      w.Put<float>(128, static_cast<float>(f.calMin));
      w.PutString(148, f.descrip, 80);
      w.Put<int16_t>(252, static_cast<int16_t>(f.qformCode));
      w.Put<int16_t>(254, static_cast<int16_t>(f.sformCode));
      for (int i = 0; i < 3; i++)
      {
        w.Put<float>(256 + 4 * i, static_cast<float>(f.quatern[i]));
        w.Put<float>(268 + 4 * i, static_cast<float>(f.qoffset[i]));
      }
      for (int r = 0; r < 3; r++)
      {
        for (int c = 0; c < 4; c++)
        {
          w.Put<float>(280 + 16 * r + 4 * c, static_cast<float>(f.srow[r][c]));
        }
      }
      if (f.customMagic)
      {
        w.PutString(344, f.magic, 4);
      }
      else
      {
        w.PutString(344, std::string("n+1\0", 4), 4);
      }
    }

    void WriteNifti2(std::string& h, const NiftiTestFile& f, int bitpix, int64_t dim0)
    {
      HeaderWriter w(h, f.byteSwapped);
      w.Put<int32_t>(0, 540);
      if (f.customMagic)
      {
        w.PutString(4, f.magic, 8);
      }
      else
      {
        w.PutString(4, std::string("n+2\0\r\n\032\n", 8), 8);
      }
      w.Put<int16_t>(12, static_cast<int16_t>(f.datatype));
      w.Put<int16_t>(14, static_cast<int16_t>(bitpix));
      w.Put<int64_t>(16, dim0);
      for (size_t i = 0; i < f.dims.size() && i < 7; i++)
      {
        w.Put<int64_t>(24 + 8 * i, f.dims[i]);
      }
      for (int i = 0; i < 8; i++)
      {
        w.Put<double>(104 + 8 * i, f.pixdim[i]);
      }
      w.Put<int64_t>(168, f.voxOffset == -1 ? static_cast<int64_t>(f.GetDataOffset()) :
                     static_cast<int64_t>(f.voxOffset));
      w.Put<double>(176, f.sclSlope);
      w.Put<double>(184, f.sclInter);
      w.Put<double>(192, f.calMax);
      w.Put<double>(200, f.calMin);
      w.PutString(240, f.descrip, 80);
      w.Put<int32_t>(344, f.qformCode);
      w.Put<int32_t>(348, f.sformCode);
      for (int i = 0; i < 3; i++)
      {
        w.Put<double>(352 + 8 * i, f.quatern[i]);
        w.Put<double>(376 + 8 * i, f.qoffset[i]);
      }
      for (int r = 0; r < 3; r++)
      {
        for (int c = 0; c < 4; c++)
        {
          w.Put<double>(400 + 32 * r + 8 * c, f.srow[r][c]);
        }
      }
      w.Put<int32_t>(500, f.xyztUnits);
      w.Put<int32_t>(504, f.intentCode);
    }
  }


  int GetBytesPerVoxel(int datatype)
  {
    switch (datatype)
    {
      case DT_UINT8:
      case DT_INT8:
        return 1;
      case DT_INT16:
      case DT_UINT16:
        return 2;
      case DT_RGB24:
        return 3;
      case DT_INT32:
      case DT_UINT32:
      case DT_FLOAT32:
      case DT_RGBA32:
        return 4;
      case DT_INT64:
      case DT_UINT64:
      case DT_FLOAT64:
      case DT_COMPLEX64:
        return 8;
      case DT_FLOAT128:
      case DT_COMPLEX128:
        return 16;
      case DT_COMPLEX256:
        return 32;
      default:
        return 2;
    }
  }


  NiftiTestFile::NiftiTestFile(int version, const std::vector<int64_t>& dims, int datatype) :
    voxelSize_(1),
    version(version),
    byteSwapped(false),
    dims(dims),
    dim0(-1),
    datatype(datatype),
    bitpix(-1),
    qformCode(0),
    sformCode(0),
    sclSlope(0),
    sclInter(0),
    calMin(0),
    calMax(0),
    xyztUnits(2),   // millimetres
    intentCode(0),
    customMagic(false),
    voxOffset(-1)
  {
    for (int i = 0; i < 8; i++)
    {
      pixdim[i] = 1;
    }
    for (int i = 0; i < 3; i++)
    {
      quatern[i] = 0;
      qoffset[i] = 0;
      for (int c = 0; c < 4; c++)
      {
        srow[i][c] = (i == c ? 1 : 0);
      }
    }
    SetZeroVoxels();
  }


  size_t NiftiTestFile::GetDataOffset() const
  {
    const size_t minimum = GetHeaderSize() + 4 + extension.size();
    // Offsets beyond 64 MB are for headers that lie: the voxels follow the header then
    if (voxOffset == -1 || !std::isfinite(voxOffset) || voxOffset < static_cast<double>(minimum) ||
        voxOffset > 64.0 * 1024 * 1024)
    {
      return minimum;
    }
    return static_cast<size_t>(voxOffset);
  }


  void NiftiTestFile::SetZeroVoxels()
  {
    // Headers announcing absurd sizes (to test their refusal) get no voxels
    const int64_t limit = 64 * 1024 * 1024;
    int64_t count = 1;
    for (int64_t d : dims)
    {
      if (d <= 0 || d > limit || count > limit / d)
      {
        count = 0;
        break;
      }
      count *= d;
    }
    voxelSize_ = static_cast<size_t>(GetBytesPerVoxel(datatype));
    voxels_.assign(static_cast<size_t>(count) * voxelSize_, '\0');
  }


  void NiftiTestFile::SetSform(int code, const double rows[3][4])
  {
    sformCode = code;
    for (int r = 0; r < 3; r++)
    {
      for (int c = 0; c < 4; c++)
      {
        srow[r][c] = rows[r][c];
      }
    }
  }


  void NiftiTestFile::SetQform(int code, double b, double c, double d, double qx, double qy, double qz,
                               double dx, double dy, double dz, double qfac)
  {
    qformCode = code;
    quatern[0] = b;
    quatern[1] = c;
    quatern[2] = d;
    qoffset[0] = qx;
    qoffset[1] = qy;
    qoffset[2] = qz;
    pixdim[0] = qfac;
    pixdim[1] = dx;
    pixdim[2] = dy;
    pixdim[3] = dz;
  }


  std::string NiftiTestFile::Build() const
  {
    std::string file(GetHeaderSize(), '\0');
    const int bits = (bitpix == -1 ? GetBytesPerVoxel(datatype) * 8 : bitpix);
    const int64_t d0 = (dim0 == -1 ? static_cast<int64_t>(dims.size()) : dim0);

    if (version == 2)
    {
      WriteNifti2(file, *this, bits, d0);
    }
    else
    {
      WriteNifti1(file, *this, bits, d0);
    }

    // Extender: a non-zero first byte announces extensions
    file += std::string(1, extension.empty() ? '\0' : '\1');
    file += std::string(3, '\0');
    file += extension;
    file.resize(GetDataOffset(), '\0');

    if (byteSwapped && voxelSize_ > 1)
    {
      std::string swapped = voxels_;
      for (size_t i = 0; i + voxelSize_ <= swapped.size(); i += voxelSize_)
      {
        std::reverse(swapped.begin() + i, swapped.begin() + i + voxelSize_);
      }
      file += swapped;
    }
    else
    {
      file += voxels_;
    }

    return file;
  }


  std::string GzipCompress(const std::string& data)
  {
    z_stream zs = z_stream();
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    {
      throw std::runtime_error("deflateInit2 failed");
    }

    std::string output(deflateBound(&zs, data.size()) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(&output[0]);
    zs.avail_out = static_cast<uInt>(output.size());

    const int code = deflate(&zs, Z_FINISH);
    const size_t produced = output.size() - zs.avail_out;
    deflateEnd(&zs);
    if (code != Z_STREAM_END)
    {
      throw std::runtime_error("deflate failed");
    }

    output.resize(produced);
    return output;
  }


  std::string MakeExtension(int32_t code, size_t contentSize, char fill, bool byteSwapped)
  {
    const size_t size = (8 + contentSize + 15) / 16 * 16;
    int32_t fields[2] = { static_cast<int32_t>(size), code };
    std::string extension(reinterpret_cast<const char*>(fields), sizeof(fields));
    if (byteSwapped)
    {
      std::reverse(extension.begin(), extension.begin() + 4);
      std::reverse(extension.begin() + 4, extension.end());
    }
    extension.resize(size, fill);
    return extension;
  }
}
