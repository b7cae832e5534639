#include "Request/Base64.h"

#include "Common/LargeBuffer.h"

#include <cstdint>

namespace NiftiToDicom
{
  namespace
  {
    int DecodeBase64Character(char c)
    {
      if (c >= 'A' && c <= 'Z') return c - 'A';
      if (c >= 'a' && c <= 'z') return c - 'a' + 26;
      if (c >= '0' && c <= '9') return c - '0' + 52;
      if (c == '+' || c == '-') return 62;   // standard and URL-safe alphabets
      if (c == '/' || c == '_') return 63;
      return -1;
    }

    bool IsWhitespace(char c)
    {
      return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }
  }


  size_t Base64::DecodedSizeBound(size_t encodedLength)
  {
    return encodedLength / 4 * 3 + 3;
  }


  bool Base64::Decode(std::string& target, const char* begin, const char* end)
  {
    // 0..63: value; WHITESPACE, PADDING, INVALID: the other classes
    static const uint8_t WHITESPACE = 64, PADDING = 65, INVALID = 66;
    static const struct Table
    {
      uint8_t value[256];
      Table()
      {
        for (int c = 0; c < 256; c++)
        {
          const int v = DecodeBase64Character(static_cast<char>(c));
          value[c] = (v >= 0) ? static_cast<uint8_t>(v) :
            IsWhitespace(static_cast<char>(c)) ? WHITESPACE : (c == '=') ? PADDING : INVALID;
        }
      }
    } table;

    ReserveLargeBuffer(target, DecodedSizeBound(end - begin));
    target.resize(DecodedSizeBound(end - begin));
    uint8_t* output = reinterpret_cast<uint8_t*>(&target[0]);
    const uint8_t* p = reinterpret_cast<const uint8_t*>(begin);
    const uint8_t* const last = reinterpret_cast<const uint8_t*>(end);

    uint32_t accumulator = 0;
    int count = 0;      // characters in the current quantum
    int padding = 0;

    while (p != last)
    {
      // Fast path: four data characters at the start of a quantum
      if (count == 0 && padding == 0 && last - p >= 4)
      {
        const uint8_t a = table.value[p[0]], b = table.value[p[1]], c = table.value[p[2]], d = table.value[p[3]];
        if ((a | b | c | d) < 64)
        {
          const uint32_t v = (static_cast<uint32_t>(a) << 18) | (static_cast<uint32_t>(b) << 12) |
            (static_cast<uint32_t>(c) << 6) | d;
          output[0] = static_cast<uint8_t>(v >> 16);
          output[1] = static_cast<uint8_t>(v >> 8);
          output[2] = static_cast<uint8_t>(v);
          output += 3;
          p += 4;
          continue;
        }
      }

      const uint8_t v = table.value[*p++];
      if (v == WHITESPACE)
      {
        continue;
      }
      if (v == PADDING)
      {
        padding++;
        if (count + padding > 4 || count < 2)
        {
          return false;
        }
        continue;
      }
      if (v == INVALID || padding > 0)
      {
        return false;  // not base64, or data after padding
      }

      accumulator = (accumulator << 6) | v;
      count++;
      if (count == 4)
      {
        *output++ = static_cast<uint8_t>(accumulator >> 16);
        *output++ = static_cast<uint8_t>(accumulator >> 8);
        *output++ = static_cast<uint8_t>(accumulator);
        accumulator = 0;
        count = 0;
      }
    }

    // A final partial quantum (padded or not)
    if (count == 1)
    {
      return false;
    }
    else if (count == 2)
    {
      *output++ = static_cast<uint8_t>(accumulator >> 4);
    }
    else if (count == 3)
    {
      *output++ = static_cast<uint8_t>(accumulator >> 10);
      *output++ = static_cast<uint8_t>(accumulator >> 2);
    }

    target.resize(output - reinterpret_cast<uint8_t*>(&target[0]));
    return true;
  }
}
