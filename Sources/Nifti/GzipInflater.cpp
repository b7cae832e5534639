#include "Nifti/GzipInflater.h"

#include "Common/ConversionError.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <limits>

namespace NiftiToDicom
{
  namespace
  {
    // Deflate's best case: 258 bytes from a 2-bit code, with block overheads
    const size_t MAX_DEFLATE_RATIO = 1032;

    class InflateStream
    {
    private:
      z_stream stream_;

    public:
      InflateStream()
      {
        stream_ = z_stream();
        // 16 + MAX_WBITS: expect a gzip wrapper (and concatenated members)
        if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK)
        {
          throw ConversionError(ErrorKind::Internal, "Cannot initialise zlib");
        }
      }

      ~InflateStream()
      {
        inflateEnd(&stream_);
      }

      z_stream& Get()
      {
        return stream_;
      }
    };
  }


  ConversionError GzipInflater::MakeTooLargeError(size_t maxOutput)
  {
    return ConversionError(ErrorKind::TooLarge,
                           "The decompressed NIfTI exceeds the maximum volume size of " +
                           std::to_string(maxOutput / (1024 * 1024)) +
                           " MB (configuration option MaximumVolumeSize)");
  }


  bool GzipInflater::IsGzip(const void* data, size_t size)
  {
    const uint8_t* bytes = reinterpret_cast<const uint8_t*>(data);
    return size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
  }


  void GzipInflater::Inflate(std::string& target, const void* data, size_t size, size_t maxOutput)
  {
    target.clear();

    // The first buffer: what the trailer announces (the size modulo 2^32),
    // but never more than the compressed bytes can inflate to (deflate
    // expands at most about 1032:1): the trailer is client data, and a 21-byte
    // file announcing 4 GB must not allocate them. The buffer then grows
    // geometrically with what actually inflates; zlib checks the trailer
    // against the output at the end of each member.
    size_t guess = 0;
    if (size >= 18)
    {
      const uint8_t* t = reinterpret_cast<const uint8_t*>(data) + size - 4;
      guess = static_cast<size_t>(t[0]) | (static_cast<size_t>(t[1]) << 8) |
        (static_cast<size_t>(t[2]) << 16) | (static_cast<size_t>(t[3]) << 24);
    }
    size_t inflatable = 0;
    if (__builtin_mul_overflow(size, static_cast<size_t>(MAX_DEFLATE_RATIO), &inflatable))
    {
      inflatable = std::numeric_limits<size_t>::max();
    }
    guess = std::max(std::min(guess, inflatable), size * 2);
    target.resize(std::min(guess, maxOutput + 1));

    InflateStream inflater;
    z_stream& zs = inflater.Get();
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<void*>(data));
    size_t consumedTotal = 0;
    size_t produced = 0;

    for (;;)
    {
      if (produced == target.size())
      {
        if (target.size() > maxOutput)
        {
          throw MakeTooLargeError(maxOutput);
        }
        target.resize(std::min(maxOutput + 1, std::max<size_t>(target.size() * 2, 1 << 20)));
      }

      // zlib counts in uInt: feed it in chunks below 4 GiB
      const size_t inChunk = std::min<size_t>(size - consumedTotal, 1u << 30);
      const size_t outChunk = std::min<size_t>(target.size() - produced, 1u << 30);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<void*>(data)) + consumedTotal;
      zs.avail_in = static_cast<uInt>(inChunk);
      zs.next_out = reinterpret_cast<Bytef*>(&target[produced]);
      zs.avail_out = static_cast<uInt>(outChunk);

      const int code = inflate(&zs, Z_NO_FLUSH);
      consumedTotal += inChunk - zs.avail_in;
      produced += outChunk - zs.avail_out;

      if (code == Z_STREAM_END)
      {
        if (consumedTotal < size && GzipInflater::IsGzip(reinterpret_cast<const uint8_t*>(data) + consumedTotal,
                                                         size - consumedTotal))
        {
          // Another gzip member follows (as "cat a.gz b.gz" makes)
          inflateReset(&zs);
          continue;
        }
        break;
      }
      else if (code == Z_BUF_ERROR && zs.avail_in == 0 && consumedTotal == size)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "The gzip stream is truncated: the .nii.gz file ends before its compressed data does; "
                              "upload the complete file");
      }
      else if (code != Z_OK && code != Z_BUF_ERROR)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              std::string("The gzip data does not decompress (") +
                              (zs.msg != nullptr ? zs.msg : "corrupt stream") +
                              "): the .nii.gz file is damaged; upload it again or send the uncompressed .nii");
      }
    }

    if (produced > maxOutput)
    {
      throw MakeTooLargeError(maxOutput);
    }

    target.resize(produced);
  }
}
