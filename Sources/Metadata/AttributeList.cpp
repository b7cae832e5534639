#include "Metadata/AttributeList.h"

#include "Common/ConversionError.h"
#include "Common/SplitString.h"
#include "Dicom/DicomValues.h"

#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dctag.h>

#include <algorithm>
#include <memory>

namespace NiftiToDicom
{
  namespace
  {
    bool IsLongerThan(const std::string& value, size_t maxCharacters)
    {
      return DicomValues::TruncateUtf8(value, maxCharacters) != value;
    }


    // DCMTK 3.6.7 does not check the length of the character-string VRs,
    // which is counted in characters and so depends on the character set
    bool CheckLength(std::string& problem, DcmEVR vr, const std::string& value)
    {
      size_t maxCharacters = 0;
      bool multiValued = true;
      switch (vr)
      {
        case EVR_LO:
          maxCharacters = 64;
          break;
        case EVR_SH:
          maxCharacters = 16;
          break;
        case EVR_PN:
          maxCharacters = 64;   // per component group
          break;
        case EVR_ST:
          maxCharacters = 1024;
          multiValued = false;  // a backslash is a character like any other there
          break;
        case EVR_LT:
          maxCharacters = 10240;
          multiValued = false;
          break;
        default:
          return true;
      }

      const std::vector<std::string> values = (multiValued ? SplitString(value, '\\') : std::vector<std::string>(1, value));
      for (const std::string& v : values)
      {
        for (const std::string& part : (vr == EVR_PN ? SplitString(v, '=') : std::vector<std::string>(1, v)))
        {
          if (IsLongerThan(part, maxCharacters))
          {
            problem = "longer than the " + std::to_string(maxCharacters) + " characters that " +
              DcmVR(vr).getVRName() + (vr == EVR_PN ? " holds in each component group" : " holds");
            return false;
          }
        }
      }
      return true;
    }


    // PS3.5 Table 6.2-1 lets the seconds of a TM be 60 (a leap second),
    // which DCMTK 3.6.7 refuses: what DCMTK checks has 59 instead
    std::string WithoutLeapSeconds(const std::string& times)
    {
      std::string result = times;
      size_t start = 0;
      for (;;)
      {
        const size_t end = std::min(result.find('\\', start), result.size());
        if (end - start >= 6 && result.compare(start + 4, 2, "60") == 0)
        {
          result.replace(start + 4, 2, "59");
        }
        if (end == result.size())
        {
          return result;
        }
        start = end + 1;
      }
    }
  }


  AttributeList::AttributeList(const std::string& origin) :
    origin_(origin)
  {
  }


  bool AttributeList::Check(std::string& problem, const DcmTagKey& tag, const std::string& value)
  {
    problem.clear();

    // The output declares ISO_IR 192; ToValidUtf8() changes only what is not UTF-8
    if (DicomValues::ToValidUtf8(value) != value)
    {
      problem = "it is not valid UTF-8";
      return false;
    }

    const DcmTag dcmTag(tag);
    const DcmEVR vr = dcmTag.getEVR();
    if (vr == EVR_UNKNOWN || vr == EVR_SQ)
    {
      problem = "this attribute does not hold a text value";
      return false;
    }

    std::unique_ptr<DcmElement> element(DcmItem::newDicomElement(dcmTag));
    if (element.get() == nullptr ||
        element->putString((vr == EVR_TM ? WithoutLeapSeconds(value) : value).c_str()).bad() ||
        element->checkValue("1-n", OFTrue /* old format */).bad())
    {
      return false;
    }

    return CheckLength(problem, vr, value);
  }


  void AttributeList::Set(const DcmTagKey& tag, const std::string& value, const std::string& label)
  {
    std::string problem;
    if (!Check(problem, tag, value))
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            origin_ + ": \"" + value + "\" is not a valid value for " + label + " (VR " +
                            DcmTag(tag).getVRName() + ")" + (problem.empty() ? "" : ": " + problem));
    }

    Entries::iterator found = std::lower_bound(
      entries_.begin(), entries_.end(), tag,
      [](const Entries::value_type& entry, const DcmTagKey& key) { return entry.first < key; });
    if (found != entries_.end() && found->first == tag)
    {
      found->second = value;
    }
    else
    {
      entries_.insert(found, std::make_pair(tag, value));
    }
  }


  bool AttributeList::Lookup(std::string& value, const DcmTagKey& tag) const
  {
    for (const Entries::value_type& entry : entries_)
    {
      if (entry.first == tag)
      {
        value = entry.second;
        return true;
      }
    }
    return false;
  }


  void AttributeList::ApplyTo(DcmItem& item) const
  {
    for (const Entries::value_type& entry : entries_)
    {
      const OFCondition status = item.putAndInsertString(DcmTag(entry.first), entry.second.c_str(), OFTrue);
      if (status.bad())
      {
        throw ConversionError(ErrorKind::Internal, "Cannot set " + std::string(entry.first.toString().c_str()) +
                              " from " + origin_ + ": " + status.text());
      }
    }
  }
}
