#pragma once

#include "Metadata/AttributeList.h"

#include <json/value.h>

#include <string>

namespace NiftiToDicom
{
  // DICOM attributes that a request sets on every instance of the new
  // series ("Tags" in the JSON body, Orthanc's style: keyword or "gggg,eeee"
  // mapped to a string). Attributes that would move the series out of its
  // study, or contradict the pixels and geometry, are refused.
  class TagOverrides
  {
  private:
    AttributeList values_{"\"Tags\""};

  public:
    // Throws ConversionError(InvalidInput) naming the offending entry; a
    // value must fit the VR of its attribute (AttributeList::Set). An
    // attribute named twice ("SeriesNumber" and "0020,0011") gets the value
    // of the name that comes last in JSON member order.
    static TagOverrides Parse(const Json::Value& tags);

    bool IsEmpty() const
    {
      return values_.IsEmpty();
    }

    // The override of "tag", if any
    bool Lookup(std::string& value, const DcmTagKey& tag) const
    {
      return values_.Lookup(value, tag);
    }

    // Throws ConversionError(Internal) if DCMTK cannot set a value
    void ApplyTo(DcmItem& target) const
    {
      values_.ApplyTo(target);
    }

    static DcmTagKey ParseTagName(const std::string& name);
  };
}
