#pragma once

#include "Common/ConversionError.h"
#include "Metadata/BidsKeyTable.h"

#include <json/value.h>

#include <string>
#include <vector>

namespace NiftiToDicom
{
  // The value of one BIDS key, read from its JSON and made a valid DICOM
  // value of the key's VR: seconds become milliseconds, texts lose the
  // characters their VR does not allow and are cut to its length, codes are
  // upper-cased... Each change of the client's value is told in a warning;
  // a value of the wrong type, or impossible, is refused with
  // ConversionError(InvalidInput) naming the key and what it must be.
  class BidsValues
  {
  public:
    // The DICOM value of "value" (not null) for "key": empty if there is
    // nothing to set (an empty string). The phase-encoding kinds give the
    // voxel axis ("i", "j", "k", without the polarity) or "ROW"/"COL".
    static std::string Convert(const BidsKey& key, const Json::Value& value, std::vector<std::string>& warnings);

    // "a number", "a string"..., for the error messages
    static const char* DescribeType(const Json::Value& value);
  };
}
