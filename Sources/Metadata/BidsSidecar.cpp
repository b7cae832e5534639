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
      std::map<DcmTagKey, std::string>    keys_;   // tag -> the BIDS key that set it
      std::vector<std::string>&           warnings_;

    public:
      Mapper(AttributeList& attributes, std::vector<std::string>& warnings) :
        attributes_(attributes),
        warnings_(warnings)
      {
      }

      void Add(const BidsKey& key, const std::string& value)
      {
        std::string current;
        if (!attributes_.Lookup(current, key.tag))
        {
          attributes_.Set(key.tag, value, "\"" + std::string(key.key) + "\" " + key.tag.toString().c_str());
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

    Mapper mapper(result.attributes_, result.warnings_);
    PhaseEncoding phaseEncoding;
    std::vector<std::string> ignored;

    // getMemberNames() is sorted: the warnings come in a stable order
    for (const std::string& name : sidecar.getMemberNames())
    {
      const Json::Value& value = sidecar[name];
      const BidsKey* key = BidsKeyTable::Find(name);

      if (key == nullptr)
      {
        if (!BidsKeyTable::IsLeftToThePlugin(name))
        {
          ignored.push_back(name);
        }
      }
      else if (!value.isNull())   // null: "unknown", as some writers put it
      {
        const std::string converted = BidsValues::Convert(*key, value, result.warnings_);
        if (IsPhaseEncoding(key->kind))
        {
          phaseEncoding.Collect(*key, converted);
        }
        else if (!converted.empty())
        {
          mapper.Add(*key, converted);
        }
      }
    }

    phaseEncoding.Resolve(mapper, result.warnings_);

    if (!ignored.empty())
    {
      std::string list;
      for (size_t i = 0; i < ignored.size(); i++)
      {
        list += (i == 0 ? "" : ", ") + ignored[i];
      }
      result.warnings_.push_back("Sidecar keys this plugin does not map to DICOM attributes were ignored: " + list);
    }

    result.attributes_.Lookup(result.seriesDescription_, DCM_SeriesDescription);
    return result;
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
