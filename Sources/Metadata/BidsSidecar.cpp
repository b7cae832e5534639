#include "Metadata/BidsSidecar.h"

#include "Common/ConversionError.h"
#include "Metadata/BidsKeyTable.h"
#include "Metadata/BidsValues.h"

#include <dcmtk/dcmdata/dcdeftag.h>

#include <cstdlib>
#include <map>

namespace NiftiToDicom
{
  namespace
  {
    // The values of the sidecar, by tag. Several keys may give the same
    // attribute: the first one in key order sets it, the others that
    // disagree are warned about.
    class Mapper
    {
    private:
      AttributeList&                      attributes_;
      AttributeList&                      scanner_;
      std::map<DcmTagKey, std::string>&   keys_;   // tag -> the BIDS key that set it
      std::vector<std::string>&           warnings_;

    public:
      Mapper(AttributeList& attributes, AttributeList& scanner, std::map<DcmTagKey, std::string>& keys,
             std::vector<std::string>& warnings) :
        attributes_(attributes),
        scanner_(scanner),
        keys_(keys),
        warnings_(warnings)
      {
      }

      void Add(const BidsKey& key, const std::string& value)
      {
        AttributeList& target = (key.equipment ? scanner_ : attributes_);
        std::string current;
        if (!target.Lookup(current, key.tag))
        {
          target.Set(key.tag, value, "\"" + std::string(key.key) + "\" " + key.tag.toString().c_str());
          keys_[key.tag] = key.key;
        }
        else if (current != value)
        {
          const std::string& first = keys_[key.tag];
          warnings_.push_back("BIDS sidecar: \"" + std::string(key.key) + "\" (" + value + ") disagrees with \"" +
                              first + "\" (" + current + "); " + key.tag.toString().c_str() +
                              " was set from \"" + first + "\"");
        }
      }
    };


    // The three ways of giving the phase-encoding axis, by decreasing
    // priority: PhaseEncodingDirection, else PhaseEncodingAxis (what dcm2niix
    // writes when the polarity is unknown), else what the source DICOM said
    class PhaseEncoding
    {
    private:
      char         directionAxis_ = 0;
      char         axisAxis_ = 0;
      std::string  inPlaneDicom_;

    public:
      // "value" as BidsValues::Convert() gives it
      void Collect(const BidsKey& key, const std::string& value)
      {
        switch (key.kind)
        {
          case BidsValueKind::PhaseEncodingDirection:
            directionAxis_ = value[0];
            break;
          case BidsValueKind::PhaseEncodingAxis:
            axisAxis_ = value[0];
            break;
          default:
            inPlaneDicom_ = value;
            break;
        }
      }

      // Sets (0018,1312) InPlanePhaseEncodingDirection
      void Resolve(Mapper& mapper, std::vector<std::string>& warnings) const
      {
        const char* axisKey = nullptr;
        char axis = 0;
        if (directionAxis_ != 0)
        {
          axisKey = "PhaseEncodingDirection";
          axis = directionAxis_;
          if (axisAxis_ != 0 && axisAxis_ != directionAxis_)
          {
            warnings.push_back(std::string("BIDS sidecar: \"PhaseEncodingAxis\" (") + axisAxis_ +
                               ") disagrees with \"PhaseEncodingDirection\" (" + directionAxis_ +
                               "); PhaseEncodingDirection was used");
          }
        }
        else if (axisAxis_ != 0)
        {
          axisKey = "PhaseEncodingAxis";
          axis = axisAxis_;
        }

        const BidsKey& phaseKey = *BidsKeyTable::Find("PhaseEncodingDirection");
        if (axis == 'k')
        {
          warnings.push_back(std::string("BIDS sidecar: \"") + axisKey + "\" is along k, across the slices; "
                             "InPlanePhaseEncodingDirection (0018,1312) can only be ROW or COL, so it was "
                             "not set");
        }
        else if (axis != 0)
        {
          // Voxel index i grows along a DICOM row (column c = i), j along a column
          const std::string code = (axis == 'i' ? "ROW" : "COL");
          mapper.Add(phaseKey, code);
          if (!inPlaneDicom_.empty() && inPlaneDicom_ != code)
          {
            warnings.push_back(std::string("BIDS sidecar: \"InPlanePhaseEncodingDirectionDICOM\" (") +
                               inPlaneDicom_ + ") disagrees with \"" + axisKey + "\" (" + axis + ", i.e. " +
                               code + "), perhaps because the NIfTI was reoriented after its conversion; " +
                               code + " was used");
          }
        }
        else if (!inPlaneDicom_.empty())
        {
          mapper.Add(phaseKey, inPlaneDicom_);
        }
      }
    };


    // AcquisitionMatrix (0018,1310) holds four values: frequency rows,
    // frequency columns, phase rows, phase columns; scanners write 0 for the
    // unused pair. The frequency-encoding steps are no BIDS key: 0 too.
    void SetAcquisitionMatrix(Mapper& mapper, AttributeList& attributes, const std::string& steps,
                              std::vector<std::string>& warnings)
    {
      const BidsKey& key = *BidsKeyTable::Find("AcquisitionMatrixPE");
      std::string direction;
      if (strtod(steps.c_str(), nullptr) > 65535)
      {
        warnings.push_back("BIDS sidecar: " + key.Describe() + " is " + steps + ", more than the 65535 that "
                           "AcquisitionMatrix (US) holds; it was not set");
      }
      else if (!attributes.Lookup(direction, DCM_InPlanePhaseEncodingDirection))
      {
        warnings.push_back("BIDS sidecar: " + key.Describe() + " needs the phase-encoding axis "
                           "(PhaseEncodingDirection or InPlanePhaseEncodingDirectionDICOM) to be placed in "
                           "AcquisitionMatrix; it was not set");
      }
      else
      {
        mapper.Add(key, direction == "ROW" ? "0\\0\\" + steps + "\\0" : "0\\0\\0\\" + steps);
      }
    }


    // (0008,002A) holds the date (0008,0022) and, when the sidecar has no
    // AcquisitionTime of its own, the time (0008,0032) that readers of the
    // classic IODs look for
    void SplitAcquisitionDateTime(AttributeList& attributes, std::map<DcmTagKey, std::string>& keys)
    {
      std::string dateTime;
      if (attributes.Lookup(dateTime, DCM_AcquisitionDateTime) && dateTime.size() >= 14)
      {
        attributes.Set(DCM_AcquisitionDate, dateTime.substr(0, 8), "\"AcquisitionDateTime\" (0008,0022)");
        keys[DCM_AcquisitionDate] = "AcquisitionDateTime";
        std::string time;
        if (!attributes.Lookup(time, DCM_AcquisitionTime))
        {
          attributes.Set(DCM_AcquisitionTime, dateTime.substr(8), "\"AcquisitionDateTime\" (0008,0032)");
          keys[DCM_AcquisitionTime] = "AcquisitionDateTime";
        }
      }
    }


    bool IsPhaseEncoding(BidsValueKind kind)
    {
      return (kind == BidsValueKind::PhaseEncodingDirection ||
              kind == BidsValueKind::PhaseEncodingAxis ||
              kind == BidsValueKind::InPlanePhaseEncoding);
    }
  }


  BidsSidecar BidsSidecar::Parse(const Json::Value& sidecar)
  {
    BidsSidecar result;
    if (sidecar.isNull())
    {
      return result;
    }
    if (!sidecar.isObject())
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The BIDS sidecar must be a JSON object mapping BIDS keys to values, "
                            "e.g. {\"EchoTime\": 0.03, \"RepetitionTime\": 2.5}; found " +
                            std::string(BidsValues::DescribeType(sidecar)));
    }

    Mapper mapper(result.attributes_, result.scanner_, result.sourceKeys_, result.warnings_);
    PhaseEncoding phaseEncoding;
    std::string phaseEncodingSteps;

    // getMemberNames() is sorted: the warnings come in a stable order
    for (const std::string& name : sidecar.getMemberNames())
    {
      const Json::Value& value = sidecar[name];
      const BidsKey* key = BidsKeyTable::Find(name);

      if (key == nullptr)
      {
        if (!BidsKeyTable::IsLeftToThePlugin(name))
        {
          result.unmapped_.push_back(name);
        }
      }
      else if (!value.isNull())   // null: "unknown", as some writers put it
      {
        const std::string converted = BidsValues::Convert(*key, value, result.warnings_);
        if (converted.empty())
        {
          // nothing to set: an empty string, or a list of several values (warned)
        }
        else if (IsPhaseEncoding(key->kind))
        {
          phaseEncoding.Collect(*key, converted);
        }
        else if (key->kind == BidsValueKind::AcquisitionMatrix)
        {
          phaseEncodingSteps = converted;
        }
        else
        {
          mapper.Add(*key, converted);
        }
      }
    }

    phaseEncoding.Resolve(mapper, result.warnings_);
    if (!phaseEncodingSteps.empty())
    {
      SetAcquisitionMatrix(mapper, result.attributes_, phaseEncodingSteps, result.warnings_);
    }
    SplitAcquisitionDateTime(result.attributes_, result.sourceKeys_);

    std::string manufacturer;
    if (!result.scanner_.IsEmpty() && !result.scanner_.Lookup(manufacturer, DCM_Manufacturer))
    {
      result.warnings_.push_back("BIDS sidecar: without \"Manufacturer\", the scanner's other keys (device, "
                                 "station, institution, software) have no Contributing Equipment item to go to "
                                 "and were not written");
    }

    if (!result.unmapped_.empty())
    {
      result.unmappedWarning_ = result.warnings_.size();
      result.warnings_.push_back("");
      result.DescribeUnmapped();
    }

    result.attributes_.Lookup(result.seriesDescription_, DCM_SeriesDescription);
    return result;
  }


  void BidsSidecar::DescribeUnmapped()
  {
    if (unmappedWarning_ >= warnings_.size())
    {
      return;
    }
    std::string list;
    for (size_t i = 0; i < unmapped_.size(); i++)
    {
      list += (i == 0 ? "" : ", ") + unmapped_[i];
    }
    warnings_[unmappedWarning_] = "Sidecar keys that no public DICOM attribute holds: " + list + "; " +
      (verbatim_.empty() ? std::string("they are not kept (no private copy of the sidecar)") :
       std::string("they are kept only in the private copy of the sidecar (0011,1001)"));
  }


  bool BidsSidecar::GetSourceKey(std::string& key, const DcmTagKey& tag) const
  {
    std::map<DcmTagKey, std::string>::const_iterator found = sourceKeys_.find(tag);
    if (found == sourceKeys_.end())
    {
      return false;
    }
    key = found->second;
    return true;
  }


  void BidsSidecar::SetVerbatim(const std::string& text)
  {
    verbatim_.clear();
    if (text.size() > MAX_VERBATIM_BYTES)
    {
      warnings_.push_back("The sidecar (" + std::to_string(text.size() / 1024) + " KB) is larger than the " +
                          std::to_string(MAX_VERBATIM_BYTES / 1024) + " KB that are kept verbatim in every "
                          "instance: no private copy of it was made");
      DescribeUnmapped();
      return;
    }

    std::string kept = text;
    verbatim_.swap(kept);
    DescribeUnmapped();
  }


  void BidsSidecar::DropVerbatim()
  {
    verbatim_.clear();
    DescribeUnmapped();
  }


  bool BidsSidecar::GetDecimal(double& value, const DcmTagKey& tag) const
  {
    std::string s;
    if (attributes_.Lookup(s, tag))
    {
      value = strtod(s.c_str(), nullptr);
      return true;
    }
    return false;
  }


  bool BidsSidecar::GetRepetitionTimeMs(double& value) const
  {
    return GetDecimal(value, DCM_RepetitionTime);
  }


  bool BidsSidecar::GetEchoTimeMs(double& value) const
  {
    return GetDecimal(value, DCM_EchoTime);
  }


  bool BidsSidecar::GetFlipAngle(double& value) const
  {
    return GetDecimal(value, DCM_FlipAngle);
  }


  bool BidsSidecar::GetMagneticFieldStrength(double& value) const
  {
    return GetDecimal(value, DCM_MagneticFieldStrength);
  }
}
