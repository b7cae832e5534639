#include "Nifti/NiftiVolume.h"

#include "Common/ConversionError.h"
#include "Nifti/GzipInflater.h"

#include <zlib.h>

#include <algorithm>

#include <sys/stat.h>

namespace NiftiToDicom
{
  NiftiVolume::NiftiVolume(std::string&& file, size_t maxVolumeBytes)
  {
    if (GzipInflater::IsGzip(file.data(), file.size()))
    {
      std::string inflated;
      GzipInflater::Inflate(inflated, file.data(), file.size(), maxVolumeBytes);
      std::string().swap(file);  // release the compressed bytes now
      buffer_.swap(inflated);
    }
    else
    {
      buffer_.swap(file);
    }

    header_ = NiftiHeader::Parse(buffer_.data(), buffer_.size());
  }


  std::string NiftiVolume::ReadFile(const std::string& path, const std::string& name, size_t maxVolumeBytes)
  {
    struct stat info;
    if (stat(path.c_str(), &info) != 0)
    {
      throw ConversionError(ErrorKind::UnknownResource, "The file of " + name + " cannot be read");
    }

    // gzread() passes uncompressed files through unchanged
    gzFile file = gzopen(path.c_str(), "rb");
    if (file == nullptr)
    {
      throw ConversionError(ErrorKind::UnknownResource, "The file of " + name + " cannot be opened");
    }

    std::string content;
    try
    {
      gzbuffer(file, 1 << 20);
      content.resize(std::min<size_t>(static_cast<size_t>(info.st_size) + 1, maxVolumeBytes + 1));
      size_t used = 0;
      for (;;)
      {
        if (used == content.size())
        {
          if (content.size() > maxVolumeBytes)
          {
            throw GzipInflater::MakeTooLargeError(maxVolumeBytes);
          }
          content.resize(std::min(maxVolumeBytes + 1, content.size() * 2));
        }

        const unsigned int chunk = static_cast<unsigned int>(std::min<size_t>(content.size() - used, 1u << 30));
        const int count = gzread(file, &content[used], chunk);
        if (count < 0)
        {
          int code = 0;
          const char* message = gzerror(file, &code);
          throw ConversionError(ErrorKind::InvalidInput,
                                "The gzip data of " + name + " does not decompress (" +
                                (message != nullptr ? message : "corrupt stream") + ")");
        }
        if (count == 0)
        {
          break;
        }
        used += static_cast<size_t>(count);
      }

      int code = 0;
      gzerror(file, &code);
      if (code == Z_BUF_ERROR)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "The gzip stream of " + name + " is truncated: the file ends before its compressed data does");
      }

      content.resize(used);
    }
    catch (...)
    {
      gzclose(file);
      throw;
    }

    gzclose(file);
    return content;
  }


  const uint8_t* NiftiVolume::GetRow(int64_t j, int64_t k, int64_t t) const
  {
    const int64_t row = (t * GetDepth() + k) * GetHeight() + j;
    const int64_t offset = header_.voxOffset + row * GetWidth() * header_.bytesPerVoxel;
    return reinterpret_cast<const uint8_t*>(buffer_.data()) + offset;
  }
}
