#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace NiftiToDicomPlugin
{
  // A file read and written at explicit offsets (pread/pwrite), closed
  // however the function that opened it ends: the bytes of an upload
  // session, where a part goes at its offset and a part sent again is
  // compared with what is there
  class PositionedFile
  {
  private:
    int fd_;

  public:
    // Opens an existing file for reading and writing; IsOpen() says whether it did
    explicit PositionedFile(const std::string& path);

    ~PositionedFile();

    PositionedFile(const PositionedFile&) = delete;
    PositionedFile& operator=(const PositionedFile&) = delete;

    // Creates an empty file, only if none is there (mode 0600: patient data)
    static bool CreateEmpty(const std::string& path);

    bool IsOpen() const
    {
      return fd_ >= 0;
    }

    // False unless all "size" bytes were read (errno says why)
    bool ReadAt(void* buffer, size_t size, uint64_t offset);

    // False unless all "size" bytes were written (errno says why)
    bool WriteAt(const void* buffer, size_t size, uint64_t offset);

    bool Truncate(uint64_t size);
  };
}
