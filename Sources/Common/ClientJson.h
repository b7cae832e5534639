#pragma once

#include <json/value.h>

#include <cstddef>
#include <string>

namespace NiftiToDicom
{
  // The one reader of JSON sent by clients (request bodies, sidecars, labels,
  // uploads). JsonCpp's reader is recursive and runs out of an HTTP thread's
  // stack long before its own depth limit, so the nesting is measured first
  // by a flat scan, and a document nested deeper than MAX_DEPTH is refused
  // before any recursive parser sees it.
  class ClientJson
  {
  public:
    static constexpr unsigned int MAX_DEPTH = 64;

    // Deepest nesting of arrays and objects in "text" (strings skipped, so
    // brackets inside them do not count); stops counting past "limit"
    static unsigned int MeasureDepth(const char* begin, const char* end, unsigned int limit);

    // Strict parse (no comments, nothing after the value, no duplicate keys).
    // False with "error" set when the text is not JSON or is nested deeper
    // than MAX_DEPTH; "what" names the document in the error ("The request
    // body", "The sidecar"...).
    static bool Parse(Json::Value& target, std::string& error, const char* begin, const char* end,
                      const std::string& what);

    static bool Parse(Json::Value& target, std::string& error, const std::string& text, const std::string& what)
    {
      return Parse(target, error, text.data(), text.data() + text.size(), what);
    }
  };
}
