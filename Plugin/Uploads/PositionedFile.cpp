#include "Uploads/PositionedFile.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

namespace NiftiToDicomPlugin
{
  PositionedFile::PositionedFile(const std::string& path) :
    fd_(open(path.c_str(), O_RDWR))
  {
  }


  PositionedFile::~PositionedFile()
  {
    if (fd_ >= 0)
    {
      close(fd_);
    }
  }


  bool PositionedFile::CreateEmpty(const std::string& path)
  {
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
    {
      return false;
    }
    close(fd);
    return true;
  }


  bool PositionedFile::ReadAt(void* buffer, size_t size, uint64_t offset)
  {
    char* cursor = static_cast<char*>(buffer);
    while (size > 0)
    {
      const ssize_t count = pread(fd_, cursor, size, static_cast<off_t>(offset));
      if (count < 0 && errno == EINTR)
      {
        continue;
      }
      if (count <= 0)
      {
        if (count == 0)
        {
          errno = EIO;   // the file ends before "offset + size"
        }
        return false;
      }
      cursor += count;
      size -= static_cast<size_t>(count);
      offset += static_cast<uint64_t>(count);
    }
    return true;
  }


  bool PositionedFile::WriteAt(const void* buffer, size_t size, uint64_t offset)
  {
    const char* cursor = static_cast<const char*>(buffer);
    while (size > 0)
    {
      const ssize_t count = pwrite(fd_, cursor, size, static_cast<off_t>(offset));
      if (count < 0 && errno == EINTR)
      {
        continue;
      }
      if (count <= 0)
      {
        if (count == 0)
        {
          errno = ENOSPC;   // nothing more fits
        }
        return false;
      }
      cursor += count;
      size -= static_cast<size_t>(count);
      offset += static_cast<uint64_t>(count);
    }
    return true;
  }


  bool PositionedFile::Truncate(uint64_t size)
  {
    return ftruncate(fd_, static_cast<off_t>(size)) == 0;
  }
}
