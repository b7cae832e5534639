#include "Nifti/NiftiVolume.h"

#include "Common/ConversionError.h"
#include "Nifti/GzipInflater.h"
#include "Nifti/TemporaryFile.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace NiftiToDicom
{
  namespace
  {
    // The first bytes read of a file: the header and usual extensions
    const size_t HEADER_READ = 64 * 1024;

    // Extensions beyond this are not read to be checked (they are never used)
    const size_t MAX_EXTENSIONS_READ = 16 * 1024 * 1024;

    // What gzread() inflates at once into memory before it goes to the file
    const size_t INFLATE_CHUNK = 4 * 1024 * 1024;

    class GzFile
    {
    private:
      gzFile file_;

    public:
      explicit GzFile(gzFile file) :
        file_(file)
      {
      }

      ~GzFile()
      {
        gzclose(file_);
      }

      gzFile Get() const
      {
        return file_;
      }
    };

    void WriteAll(int fd, const char* data, size_t size, const std::string& name)
    {
      while (size > 0)
      {
        const ssize_t written = write(fd, data, size);
        if (written < 0 && errno == EINTR)
        {
          continue;
        }
        if (written <= 0)
        {
          const int error = (written < 0 ? errno : ENOSPC);   // write() returns 0 only when nothing fits
          throw ConversionError(ConversionError::KindOfWriteError(error),
                                "Cannot write the decompressed " + name + " to the temporary directory (" +
                                std::string(strerror(error)) + "): it needs room for the whole decompressed "
                                "volume; free disk space there or set NiftiToDicom.TemporaryDirectory to a larger "
                                "disk, then import again");
        }
        data += written;
        size -= static_cast<size_t>(written);
      }
    }

    // Inflates the gzip file open in "fd" (not taken) into "target", in file
    // order, a chunk at a time; returns the number of bytes inflated
    uint64_t InflateToFile(int target, int fd, const std::string& name, size_t maxVolumeBytes)
    {
      const int own = dup(fd);
      gzFile opened = (own >= 0) ? gzdopen(own, "rb") : nullptr;
      if (opened == nullptr)
      {
        if (own >= 0)
        {
          close(own);
        }
        throw ConversionError(ErrorKind::UnknownResource, "The file of " + name + " cannot be opened");
      }
      GzFile file(opened);
      gzbuffer(file.Get(), 1 << 20);

      std::vector<char> chunk(INFLATE_CHUNK);
      uint64_t total = 0;
      for (;;)
      {
        const int count = gzread(file.Get(), chunk.data(), static_cast<unsigned int>(chunk.size()));
        if (count < 0)
        {
          int code = 0;
          const char* message = gzerror(file.Get(), &code);
          throw ConversionError(ErrorKind::InvalidInput,
                                "The gzip data of " + name + " does not decompress (" +
                                (message != nullptr ? message : "corrupt stream") + ")");
        }
        if (count == 0)
        {
          break;
        }
        total += static_cast<uint64_t>(count);
        if (total > maxVolumeBytes)
        {
          throw GzipInflater::MakeTooLargeError(maxVolumeBytes);   // a gzip bomb stops here
        }
        WriteAll(target, chunk.data(), static_cast<size_t>(count), name);
      }

      int code = 0;
      gzerror(file.Get(), &code);
      if (code == Z_BUF_ERROR)
      {
        throw ConversionError(ErrorKind::InvalidInput, "The gzip stream of " + name +
                              " is truncated: the file ends before its compressed data does");
      }
      return total;
    }
  }


  NiftiVolume::NiftiVolume() :
    fd_(-1)
  {
  }


  NiftiVolume::NiftiVolume(std::string&& file, size_t maxVolumeBytes) :
    fd_(-1)
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


  NiftiVolume::NiftiVolume(NiftiVolume&& other) noexcept :
    buffer_(std::move(other.buffer_)),
    fd_(other.fd_),
    name_(std::move(other.name_)),
    header_(other.header_)
  {
    other.fd_ = -1;
  }


  NiftiVolume::~NiftiVolume()
  {
    if (fd_ >= 0)
    {
      close(fd_);   // the temporary file of a .nii.gz disappears with it
    }
  }


  std::unique_ptr<NiftiVolume> NiftiVolume::Open(const std::string& path, const std::string& name,
                                                 size_t maxVolumeBytes, const std::string& temporaryDirectory)
  {
    std::unique_ptr<NiftiVolume> volume(new NiftiVolume);
    volume->name_ = name;

    struct stat info;
    if (stat(path.c_str(), &info) != 0)
    {
      throw ConversionError(ErrorKind::UnknownResource, "The file of " + name + " cannot be read");
    }

    volume->fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (volume->fd_ < 0 || fstat(volume->fd_, &info) != 0 || !S_ISREG(info.st_mode))
    {
      throw ConversionError(ErrorKind::UnknownResource, "The file of " + name + " cannot be opened");
    }

    uint8_t magic[2] = { 0, 0 };
    const uint64_t size = static_cast<uint64_t>(info.st_size);
    if (size >= 2)
    {
      volume->ReadAt(magic, 2, 0);
    }

    uint64_t fileSize = size;
    if (GzipInflater::IsGzip(magic, size >= 2 ? 2 : 0))
    {
      // The compressed file is closed as soon as it is inflated
      TemporaryFile inflated(temporaryDirectory);
      fileSize = InflateToFile(inflated.GetDescriptor(), volume->fd_, name, maxVolumeBytes);
      close(volume->fd_);
      volume->fd_ = inflated.Release();
    }
    else if (size > maxVolumeBytes)
    {
      throw GzipInflater::MakeTooLargeError(maxVolumeBytes);
    }

    volume->ReadHeader(fileSize);
    return volume;
  }


  void NiftiVolume::ReadHeader(uint64_t fileSize)
  {
    // The header and, when they fit, the extensions up to vox_offset: the
    // checks of Parse() then see what they would see in memory
    std::string start(static_cast<size_t>(std::min<uint64_t>(fileSize, HEADER_READ)), '\0');
    ReadAt(&start[0], start.size(), 0);

    try
    {
      const NiftiHeader header = NiftiHeader::ParseHeaderOnly(start.data(), start.size());
      const uint64_t wanted = std::min<uint64_t>(std::min<uint64_t>(static_cast<uint64_t>(header.voxOffset), fileSize),
                                                 MAX_EXTENSIONS_READ);
      if (wanted > start.size())
      {
        const size_t read = start.size();
        start.resize(static_cast<size_t>(wanted));
        ReadAt(&start[read], start.size() - read, read);
      }
    }
    catch (ConversionError&)
    {
      // Parsed again below, where the error comes in its proper order
    }

    header_ = NiftiHeader::ParseFileStart(start.data(), start.size(), fileSize);
  }


  void NiftiVolume::ReadAt(void* target, size_t size, uint64_t offset) const
  {
    uint8_t* bytes = reinterpret_cast<uint8_t*>(target);
    while (size > 0)
    {
      const ssize_t count = pread(fd_, bytes, size, static_cast<off_t>(offset));
      if (count < 0 && errno == EINTR)
      {
        continue;
      }
      if (count < 0)
      {
        throw ConversionError(ErrorKind::Internal, "Cannot read the file of " + name_ + " (" + strerror(errno) + ")");
      }
      if (count == 0)
      {
        throw ConversionError(ErrorKind::Conflict,
                              "The file of " + name_ + " changed while it was being read: it was truncated, and "
                              "now ends before byte " + std::to_string(offset + size) + "; import it again once "
                              "it is complete");
      }
      bytes += count;
      size -= static_cast<size_t>(count);
      offset += static_cast<uint64_t>(count);
    }
  }


  void NiftiVolume::ReadSlice(NiftiSlice& target, int64_t k, int64_t t) const
  {
    if (k < 0 || k >= GetDepth() || t < 0 || t >= GetTimePoints())
    {
      throw ConversionError(ErrorKind::Internal, "Slice " + std::to_string(k) + " of volume " + std::to_string(t) +
                            " is outside the NIfTI");
    }

    // Parse() checked that every voxel lies within the file: no overflow
    target.rowBytes_ = static_cast<size_t>(GetWidth() * header_.bytesPerVoxel);
    const size_t sliceBytes = target.rowBytes_ * static_cast<size_t>(GetHeight());
    const uint64_t offset = static_cast<uint64_t>(header_.voxOffset) +
      static_cast<uint64_t>(t * GetDepth() + k) * sliceBytes;

    if (fd_ < 0)
    {
      target.external_ = reinterpret_cast<const uint8_t*>(buffer_.data()) + offset;
    }
    else
    {
      target.external_ = nullptr;
      target.storage_.resize(sliceBytes);
      ReadAt(&target.storage_[0], sliceBytes, offset);
    }
  }
}
