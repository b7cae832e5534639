#pragma once

#include <json/value.h>

#include <string>
#include <vector>

namespace NiftiToDicom
{
  // Destinations of the finished series
  struct SendTo
  {
    std::vector<std::string>  modalities;
    std::vector<std::string>  peers;

    bool IsEmpty() const
    {
      return modalities.empty() && peers.empty();
    }

    // {"Modalities": [...], "Peers": [...]}; throws ConversionError(InvalidInput)
    static SendTo Parse(const Json::Value& value, const std::string& where);

    Json::Value ToJson() const;
  };
}
