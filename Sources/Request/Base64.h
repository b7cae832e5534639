#pragma once

#include <cstddef>
#include <string>

namespace NiftiToDicom
{
  class Base64
  {
  public:
    // Strict decoder that tolerates line breaks and spaces (as written by
    // "base64" without -w0). Returns false on any other character or on bad
    // padding.
    static bool Decode(std::string& target, const char* begin, const char* end);

    // Number of bytes Decode() would produce, ignoring whitespace: an upper bound
    static size_t DecodedSizeBound(size_t encodedLength);
  };
}
