#include "Common/ClientJson.h"

#include <json/reader.h>

#include <memory>

namespace NiftiToDicom
{
  unsigned int ClientJson::MeasureDepth(const char* begin, const char* end, unsigned int limit)
  {
    unsigned int depth = 0;
    unsigned int deepest = 0;
    bool inString = false;

    for (const char* p = begin; p < end; ++p)
    {
      const char c = *p;
      if (inString)
      {
        if (c == '\\')
        {
          ++p;   // whatever is escaped, it neither ends the string nor nests
        }
        else if (c == '"')
        {
          inString = false;
        }
      }
      else if (c == '"')
      {
        inString = true;
      }
      else if (c == '[' || c == '{')
      {
        depth++;
        if (depth > deepest)
        {
          deepest = depth;
          if (deepest > limit)
          {
            return deepest;
          }
        }
      }
      else if ((c == ']' || c == '}') && depth > 0)
      {
        depth--;
      }
    }
    return deepest;
  }


  bool ClientJson::Parse(Json::Value& target, std::string& error, const char* begin, const char* end,
                         const std::string& what)
  {
    if (MeasureDepth(begin, end, MAX_DEPTH) > MAX_DEPTH)
    {
      error = what + " nests arrays or objects more than " + std::to_string(MAX_DEPTH) +
        " levels deep; flatten it";
      return false;
    }

    Json::CharReaderBuilder builder;
    builder["collectComments"] = false;
    builder["allowComments"] = false;
    builder["failIfExtra"] = true;
    builder["rejectDupKeys"] = true;
    builder["stackLimit"] = static_cast<int>(MAX_DEPTH + 1);
    std::unique_ptr<Json::CharReader> reader(builder.newCharReader());

    std::string errors;
    Json::Value parsed;
    if (!reader->parse(begin, end, &parsed, &errors))
    {
      error = what + " is not valid JSON: " + errors;
      return false;
    }
    target.swap(parsed);
    return true;
  }
}
