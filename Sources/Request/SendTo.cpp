#include "Request/SendTo.h"

#include "Common/ConversionError.h"

namespace NiftiToDicom
{
  namespace
  {
    std::vector<std::string> ReadNames(const Json::Value& value, const char* member, const std::string& where)
    {
      std::vector<std::string> names;
      if (!value.isMember(member))
      {
        return names;
      }
      const Json::Value& list = value[member];
      if (!list.isArray())
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              where + ": \"" + member + "\" must be a list of names, e.g. [\"PACS\"]");
      }
      for (const Json::Value& name : list)
      {
        if (!name.isString() || name.asString().empty())
        {
          throw ConversionError(ErrorKind::InvalidInput,
                                where + ": \"" + member + "\" must contain non-empty names (strings)");
        }
        names.push_back(name.asString());
      }
      return names;
    }
  }


  SendTo SendTo::Parse(const Json::Value& value, const std::string& where)
  {
    if (!value.isObject())
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            where + " must be an object such as {\"Modalities\": [\"PACS\"], \"Peers\": [\"backup\"]}");
    }
    for (const std::string& member : value.getMemberNames())
    {
      if (member != "Modalities" && member != "Peers")
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              where + ": unknown member \"" + member + "\" (expected \"Modalities\" and/or \"Peers\")");
      }
    }
    SendTo result;
    result.modalities = ReadNames(value, "Modalities", where);
    result.peers = ReadNames(value, "Peers", where);
    return result;
  }


  Json::Value SendTo::ToJson() const
  {
    Json::Value result(Json::objectValue);
    result["Modalities"] = Json::Value(Json::arrayValue);
    result["Peers"] = Json::Value(Json::arrayValue);
    for (const std::string& m : modalities)
    {
      result["Modalities"].append(m);
    }
    for (const std::string& p : peers)
    {
      result["Peers"].append(p);
    }
    return result;
  }
}
