#include "Request/LargeStringMember.h"

#include <cstddef>
#include <cstring>

namespace NiftiToDicom
{
  bool LargeStringMember::Find(LargeStringMember& target, const char* begin, const char* end, const std::string& key)
  {
    // A minimal scanner of the top-level object: it only has to find where
    // values start and end. Anything unusual makes it give up, and the
    // caller then parses the whole body with JsonCpp.
    const char* p = begin;
    auto skipSpace = [&]()
    {
      while (p != end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
      {
        ++p;
      }
    };

    // Moves p past a string starting at p (on its opening quote)
    auto skipString = [&](bool& hasEscape) -> bool
    {
      hasEscape = false;
      ++p;
      for (;;)
      {
        const char* quote = reinterpret_cast<const char*>(memchr(p, '"', end - p));
        if (quote == nullptr)
        {
          return false;
        }
        size_t backslashes = 0;
        while (quote - backslashes > p && quote[-1 - static_cast<ptrdiff_t>(backslashes)] == '\\')
        {
          backslashes++;
        }
        if (!hasEscape && memchr(p, '\\', quote - p) != nullptr)
        {
          hasEscape = true;
        }
        p = quote + 1;
        if (backslashes % 2 == 0)
        {
          return true;
        }
      }
    };

    skipSpace();
    if (p == end || *p != '{')
    {
      return false;
    }
    ++p;

    bool found = false;
    for (;;)
    {
      skipSpace();
      if (p == end || *p != '"')
      {
        return false;
      }
      const char* keyBegin = p + 1;
      bool keyEscaped;
      if (!skipString(keyEscaped) || keyEscaped)
      {
        return false;
      }
      const std::string name(keyBegin, p - 1);

      skipSpace();
      if (p == end || *p != ':')
      {
        return false;
      }
      ++p;
      skipSpace();
      if (p == end)
      {
        return false;
      }

      const char* valueBegin = p;
      if (*p == '"')
      {
        bool escaped;
        if (!skipString(escaped))
        {
          return false;
        }
        if (name == key)
        {
          if (found || escaped)
          {
            return false;  // duplicate, or escapes that only a real parser handles
          }
          found = true;
          target.valueBegin_ = valueBegin;   // on the opening quote
          target.valueEnd_ = p;              // past the closing quote
        }
      }
      else
      {
        // Nested values and scalars: skip to the next top-level ',' or '}'
        int depth = 0;
        while (p != end)
        {
          if (*p == '"')
          {
            bool escaped;
            if (!skipString(escaped))
            {
              return false;
            }
            continue;
          }
          if (*p == '{' || *p == '[')
          {
            depth++;
          }
          else if (*p == '}' || *p == ']')
          {
            if (depth == 0)
            {
              break;
            }
            depth--;
          }
          else if (*p == ',' && depth == 0)
          {
            break;
          }
          ++p;
        }
        if (name == key)
        {
          return false;  // not a string: let JsonCpp report the type error
        }
      }

      skipSpace();
      if (p == end)
      {
        return false;
      }
      if (*p == ',')
      {
        ++p;
        continue;
      }
      if (*p == '}')
      {
        break;
      }
      return false;
    }

    if (!found)
    {
      return false;
    }

    // The rest of the body, with the large value replaced by an empty string
    target.rest_.reserve((target.valueBegin_ - begin) + (end - target.valueEnd_) + 2);
    target.rest_.assign(begin, target.valueBegin_);
    target.rest_ += "\"\"";
    target.rest_.append(target.valueEnd_, end);
    return true;
  }
}
