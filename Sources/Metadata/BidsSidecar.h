#pragma once

#include "Metadata/AttributeList.h"

#include <json/value.h>

#include <string>
#include <vector>

namespace NiftiToDicom
{
  // The acquisition parameters of a BIDS JSON sidecar (as dcm2niix writes
  // it next to a NIfTI file), as the DICOM attributes of the MR modules.
  // BIDS gives times in seconds where DICOM wants milliseconds: the values
  // are converted here (BidsValues), after the table of the keys
  // (BidsKeyTable), and each one is ready for putAndInsertString().
  class BidsSidecar
  {
  private:
    AttributeList             attributes_{"BIDS sidecar"};
    std::vector<std::string>  warnings_;
    std::string               seriesDescription_;

    // The value a DICOM reader gets back from the DS of "tag"
    bool GetDecimal(double& value, const DcmTagKey& tag) const;

  public:
    // "sidecar" must be a JSON object (null gives an empty sidecar). Throws
    // ConversionError(InvalidInput) naming the key whose value has the
    // wrong type or an impossible value. Keys without a DICOM attribute are
    // listed in one warning; "Modality" is left to the plugin silently.
    static BidsSidecar Parse(const Json::Value& sidecar);

    bool IsEmpty() const
    {
      return attributes_.IsEmpty();
    }

    // (tag, value) pairs: DS formatted by DicomValues::FormatDecimal, IS as
    // integers, CS upper-case, several values separated by backslashes,
    // texts cut to the maximum length of their VR (in characters)
    // sorted by tag
    const AttributeList::Entries& GetAttributes() const
    {
      return attributes_.GetEntries();
    }

    // The value of "tag", if the sidecar gives one
    bool Lookup(std::string& value, const DcmTagKey& tag) const
    {
      return attributes_.Lookup(value, tag);
    }

    const std::vector<std::string>& GetWarnings() const
    {
      return warnings_;
    }

    // Puts every attribute into "item", replacing the values it had.
    // Throws ConversionError(Internal) if DCMTK cannot set one.
    void ApplyTo(DcmItem& item) const
    {
      attributes_.ApplyTo(item);
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
