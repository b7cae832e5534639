#pragma once

#include "Common/ConversionError.h"

#include <cstddef>
#include <string>

namespace NiftiToDicom
{
  // Inflates gzip data held in memory. The output limit guards against
  // streams that expand without bound ("gzip bombs").
  class GzipInflater
  {
  public:
    static bool IsGzip(const void* data, size_t size);

    // Throws ConversionError (InvalidInput when the stream is corrupt or
    // truncated, TooLarge when the output would exceed maxOutput).
    static void Inflate(std::string& target, const void* data, size_t size, size_t maxOutput);

    // The TooLarge error of a decompressed NIfTI beyond maxOutput bytes,
    // also for the readers of .nii.gz files that inflate with gzread()
    static ConversionError MakeTooLargeError(size_t maxOutput);
  };
}
