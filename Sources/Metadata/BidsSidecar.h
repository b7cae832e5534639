#pragma once

#include "Metadata/AttributeList.h"

#include <json/value.h>

#include <map>
#include <string>
#include <vector>

namespace NiftiToDicom
{
  // The acquisition parameters of a BIDS JSON sidecar (as dcm2niix writes
  // it next to a NIfTI file, any release), as public DICOM attributes.
  // BIDS gives times in seconds where DICOM wants milliseconds: the values
  // are converted here (BidsValues), after the table of the keys
  // (BidsKeyTable), and each one is ready for putAndInsertString().
  //
  // Three parts: the acquisition attributes (GetAttributes), the identity
  // of the scanner (GetScannerEquipment, for the Contributing Equipment
  // Sequence: at top level it would make readers such as dcm2niix take
  // that vendor's private-tag paths), and the sidecar's text verbatim
  // (GetVerbatim, for the private element that keeps every key).
  class BidsSidecar
  {
  public:
    // Largest sidecar text kept verbatim: it is repeated in every instance
    // of a classic series (dcm2niix's sidecars hold 2 to 20 KB)
    static constexpr size_t MAX_VERBATIM_BYTES = 256 * 1024;

  private:
    AttributeList                       attributes_{"BIDS sidecar"};
    AttributeList                       scanner_{"BIDS sidecar"};
    std::map<DcmTagKey, std::string>    sourceKeys_;   // tag -> the BIDS key that set it
    std::vector<std::string>            warnings_;
    std::string                         seriesDescription_;
    std::vector<std::string>            unmapped_;     // keys without a public attribute
    size_t                              unmappedWarning_ = static_cast<size_t>(-1);   // index in warnings_
    std::string                         verbatim_;

    // The value a DICOM reader gets back from the DS of "tag"
    bool GetDecimal(double& value, const DcmTagKey& tag) const;

    void DescribeUnmapped();

  public:
    // "sidecar" must be a JSON object (null gives an empty sidecar). Throws
    // ConversionError(InvalidInput) naming the key whose value cannot mean
    // anything (wrong type, impossible value). Keys without a public DICOM
    // attribute are listed in one warning; those whose attribute the plugin
    // decides (BidsKeyTable::IsLeftToThePlugin) silently left out.
    static BidsSidecar Parse(const Json::Value& sidecar);

    bool IsEmpty() const
    {
      return attributes_.IsEmpty() && scanner_.IsEmpty() && verbatim_.empty();
    }

    // (tag, value) pairs of the acquisition: DS formatted by
    // DicomValues::FormatDecimal, IS as integers, CS upper-case, several
    // values separated by backslashes, texts cut to the maximum length of
    // their VR (in characters); sorted by tag. The scanner's identity is
    // not among them.
    const AttributeList::Entries& GetAttributes() const
    {
      return attributes_.GetEntries();
    }

    // Manufacturer, ManufacturerModelName, DeviceSerialNumber, StationName,
    // InstitutionName, InstitutionAddress, InstitutionalDepartmentName of the
    // scanner, as the attributes of an item of the Contributing Equipment
    // Sequence (not SoftwareVersions: see BidsKeyTable)
    const AttributeList& GetScannerEquipment() const
    {
      return scanner_;
    }

    // The BIDS key (e.g. "BodyPart") that gave the value of "tag", in
    // GetAttributes() or GetScannerEquipment(); false if none did
    bool GetSourceKey(std::string& key, const DcmTagKey& tag) const;

    // The keys of the sidecar that no public attribute holds
    const std::vector<std::string>& GetUnmappedKeys() const
    {
      return unmapped_;
    }

    // The value of "tag" among the acquisition attributes, if the sidecar gives one
    bool Lookup(std::string& value, const DcmTagKey& tag) const
    {
      return attributes_.Lookup(value, tag);
    }

    const std::vector<std::string>& GetWarnings() const
    {
      return warnings_;
    }

    // Puts every acquisition attribute into "item", replacing the values it
    // had. Throws ConversionError(Internal) if DCMTK cannot set one.
    void ApplyTo(DcmItem& item) const
    {
      attributes_.ApplyTo(item);
    }

    // The sidecar's text as the client sent it, to be kept verbatim (byte
    // for byte) in every instance. A text over MAX_VERBATIM_BYTES is not
    // kept (a warning says so).
    void SetVerbatim(const std::string& text);

    // No private copy (configuration option or request field "KeepSidecar")
    void DropVerbatim();

    // The JSON as sent, empty if not kept
    const std::string& GetVerbatim() const
    {
      return verbatim_;
    }

    // (0018,0080), in milliseconds
    bool GetRepetitionTimeMs(double& value) const;

    // (0018,0081), in milliseconds
    bool GetEchoTimeMs(double& value) const;

    // (0018,1314), in degrees
    bool GetFlipAngle(double& value) const;

    // (0018,0087), in tesla
    bool GetMagneticFieldStrength(double& value) const;

    // (0008,103E), already cut to 64 characters; empty if absent
    const std::string& GetSeriesDescription() const
    {
      return seriesDescription_;
    }
  };
}
