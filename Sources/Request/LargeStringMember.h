#pragma once

#include <string>

namespace NiftiToDicom
{
  // Where the string value of one member of a top-level JSON object lies in
  // the raw text, and the text with that value blanked, to be parsed by an
  // ordinary JSON parser without copying the (large) value.
  class LargeStringMember
  {
  private:
    const char*  valueBegin_ = nullptr;
    const char*  valueEnd_ = nullptr;
    std::string  rest_;

  public:
    // False when the body is not a plain object with exactly one such string
    // member without escape sequences: the caller then parses it whole.
    static bool Find(LargeStringMember& target, const char* begin, const char* end, const std::string& key);

    // The characters of the value, without the quotes
    const char* GetValueBegin() const
    {
      return valueBegin_ + 1;
    }

    const char* GetValueEnd() const
    {
      return valueEnd_ - 1;
    }

    const std::string& GetRest() const
    {
      return rest_;
    }
  };
}
