#pragma once

#include <dcmtk/dcmdata/dctagkey.h>

#include <json/value.h>

#include <string>
#include <utility>
#include <vector>

class DcmItem;

namespace NiftiToDicom
{
  // The acquisition parameters of a BIDS JSON sidecar (as dcm2niix writes
  // it next to a NIfTI file), as the DICOM attributes of the MR modules.
  // BIDS gives times in seconds where DICOM wants milliseconds: the values
  // are converted here, and each one is ready for putAndInsertString().
  class BidsSidecar
  {
  private:
    std::vector<std::pair<DcmTagKey, std::string> > attributes_;   // sorted by tag
    std::vector<std::string> warnings_;

    bool    hasRepetitionTime_ = false;
    double  repetitionTimeMs_ = 0;
    bool    hasEchoTime_ = false;
    double  echoTimeMs_ = 0;
    bool    hasFlipAngle_ = false;
    double  flipAngle_ = 0;
    bool    hasMagneticFieldStrength_ = false;
    double  magneticFieldStrength_ = 0;
    std::string seriesDescription_;

  public:
    // "sidecar" must be a JSON object (null gives an empty sidecar). Throws
    // ConversionError(InvalidInput) naming the key whose value has the
    // wrong type or an impossible value. Keys without a DICOM attribute are
    // listed in one warning; "Modality" is left to the plugin silently.
    static BidsSidecar Parse(const Json::Value& sidecar);

    bool IsEmpty() const
    {
      return attributes_.empty();
    }

    // (tag, value) pairs: DS formatted by DicomValues::FormatDecimal, IS as
    // integers, CS upper-case, several values separated by backslashes,
    // texts cut to the maximum length of their VR (in characters)
    const std::vector<std::pair<DcmTagKey, std::string> >& GetAttributes() const
    {
      return attributes_;
    }

    // The value of "tag", if the sidecar gives one
    bool Lookup(std::string& value, const DcmTagKey& tag) const;

    const std::vector<std::string>& GetWarnings() const
    {
      return warnings_;
    }

    // Puts every attribute into "item", replacing the values it had
    void ApplyTo(DcmItem& item) const;

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
