#pragma once

#include <dcmtk/dcmdata/dctagkey.h>

#include <json/value.h>

#include <string>
#include <utility>
#include <vector>

class DcmItem;

namespace NiftiToDicom
{
  // DICOM attributes that a request sets on every instance of the new
  // series ("Tags" in the JSON body, Orthanc's style: keyword or "gggg,eeee"
  // mapped to a string). Attributes that would move the series out of its
  // study, or contradict the pixels and geometry, are refused.
  class TagOverrides
  {
  private:
    std::vector<std::pair<DcmTagKey, std::string> > values_;

  public:
    // Throws ConversionError(InvalidInput) naming the offending entry.
    static TagOverrides Parse(const Json::Value& tags);

    bool IsEmpty() const
    {
      return values_.empty();
    }

    // The override of "tag", if any
    bool Lookup(std::string& value, const DcmTagKey& tag) const;

    void ApplyTo(DcmItem& target) const;

    static DcmTagKey ParseTagName(const std::string& name);
  };
}
