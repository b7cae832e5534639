#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace NiftiToDicomPlugin
{
  class UploadDirectory;

  // Streams one upload to disk, chunk by chunk, into "<id>.part". The
  // partial file is removed as soon as the upload fails (before the client
  // is answered), and in any case unless Finish() succeeded.
  class UploadWriter
  {
  private:
    UploadDirectory&  directory_;
    uint64_t          maxBytes_;
    std::string       id_;
    std::string       partPath_;
    FILE*             file_;
    uint64_t          size_;
    bool              tooLarge_;
    bool              finished_;

    // Closes and removes the partial file
    void Discard();

  public:
    UploadWriter(UploadDirectory& directory, uint64_t maxBytes);

    ~UploadWriter();

    UploadWriter(const UploadWriter&) = delete;
    UploadWriter& operator=(const UploadWriter&) = delete;

    // False once the upload exceeds the maximum size (further bytes are dropped)
    bool Append(const void* data, size_t size);

    bool IsTooLarge() const
    {
      return tooLarge_;
    }

    uint64_t GetSize() const
    {
      return size_;
    }

    // Classifies the file and makes it visible; throws ConversionError, e.g.
    // for an empty upload or a NIfTI with an invalid header. Returns the
    // upload's ID.
    std::string Finish(const std::string& filename);
  };
}
