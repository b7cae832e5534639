#pragma once

#include <dcmtk/dcmdata/dctagkey.h>

#include <string>
#include <utility>
#include <vector>

class DcmItem;

namespace NiftiToDicom
{
  // DICOM attributes that a client gives (the BIDS sidecar, "Tags"), each
  // checked against the VR of its tag in DCMTK's dictionary when it is set,
  // so that writing them later cannot fail for a reason the client could fix.
  //
  // What is refused: what DCMTK's checkValue() refuses (e.g. "1.5" for IS,
  // "noon" for TM, a 17-character CS) except a leap second in a TM, which
  // PS3.5 allows; plus what DCMTK 3.6.7 leaves out for the character-string
  // VRs: bytes that are not UTF-8 (the output declares ISO_IR 192) and
  // values longer, in characters, than their VR holds (LO 64, SH 16,
  // ST 1024, LT 10240, each PN component group 64). Control characters and
  // the number of values are left to the callers: the sidecar replaces
  // control characters, TagOverrides refuses them.
  class AttributeList
  {
  public:
    typedef std::vector<std::pair<DcmTagKey, std::string> >  Entries;

  private:
    std::string  origin_;    // prefix of the messages, e.g. "\"Tags\""
    Entries      entries_;   // sorted by tag, no tag twice

  public:
    explicit AttributeList(const std::string& origin);

    // Sets "tag" to "value", replacing its previous value. Throws
    // ConversionError(InvalidInput) "<origin>: "<value>" is not a valid value
    // for <label> (VR XX)" if the value does not fit the VR of the tag.
    void Set(const DcmTagKey& tag, const std::string& value, const std::string& label);

    // Whether "value" fits the VR of "tag". If not, "problem" explains what
    // DCMTK does not ("not valid UTF-8", "longer than..."), and is left
    // empty for what checkValue() refuses, whose reason the VR says.
    static bool Check(std::string& problem, const DcmTagKey& tag, const std::string& value);

    bool Lookup(std::string& value, const DcmTagKey& tag) const;

    bool IsEmpty() const
    {
      return entries_.empty();
    }

    const Entries& GetEntries() const
    {
      return entries_;
    }

    // Puts every attribute into "item", replacing the values it had. A
    // failure here is DCMTK's (the values were checked by Set()): it throws
    // ConversionError(Internal) naming the tag.
    void ApplyTo(DcmItem& item) const;
  };
}
