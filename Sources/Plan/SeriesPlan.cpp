#include "Plan/SeriesPlan.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomUid.h"
#include "Dicom/DicomValues.h"

#include <dcmtk/dcmdata/dcdeftag.h>

#include <nifti2_io.h>

#include <cmath>
#include <ctime>

namespace NiftiToDicom
{
  namespace
  {
    std::string StripNiftiExtension(const std::string& filename)
    {
      std::string name = filename;
      const size_t slash = name.find_last_of("/\\");
      if (slash != std::string::npos)
      {
        name = name.substr(slash + 1);
      }
      for (const char* extension : { ".nii.gz", ".nii", ".gz" })
      {
        const std::string ext(extension);
        if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0)
        {
          return name.substr(0, name.size() - ext.size());
        }
      }
      return name;
    }

    // A control character (a newline, a tab) is not allowed in LO nor, but
    // for CR, LF, FF and TAB, in ST: each becomes a space. In an LO, a
    // backslash would split the value in two: it becomes a slash.
    std::string ReplaceInvalidCharacters(const std::string& value, bool isLongString, bool& changed)
    {
      std::string result = value;
      for (char& c : result)
      {
        const unsigned char u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F)
        {
          c = ' ';
          changed = true;
        }
        else if (c == '\\' && isLongString)
        {
          c = '/';
          changed = true;
        }
      }
      return result;
    }

    std::string Trim(const std::string& s)
    {
      const size_t first = s.find_first_not_of(" \t\r\n");
      if (first == std::string::npos)
      {
        return "";
      }
      const size_t last = s.find_last_not_of(" \t\r\n");
      return s.substr(first, last - first + 1);
    }
  }


  SeriesPlan::SeriesPlan(const NiftiVolume& volume, const ParentStudyTags& parent, SeriesOptions&& options) :
    volume_(volume),
    parent_(parent),
    options_(std::move(options)),
    geometry_(volume.GetHeader()),
    seriesInstanceUid_(options_.seriesInstanceUid.empty() ? DicomUid::Generate() : options_.seriesInstanceUid),
    frameOfReferenceUid_(options_.hasReference && options_.reference.sameFrameOfReference ?
                         options_.reference.frameOfReferenceUid : DicomUid::Generate()),
    dimensionOrganizationUid_(DicomUid::Generate()),
    concatenationUid_(DicomUid::Generate()),
    concatenationSourceUid_(DicomUid::Generate()),
    repetitionTimeMs_(0),
    inversionTimeAllowed_(false)
  {
    warnings_ = geometry_.GetWarnings();
    if (IsClassicImage(options_.iod) || options_.iod == IodType::EnhancedMrImage)
    {
      encoder_.reset(new PixelEncoder(volume));
      warnings_.insert(warnings_.end(), encoder_->GetWarnings().begin(), encoder_->GetWarnings().end());
    }

    const std::time_t now = std::time(nullptr);
    std::tm local;
    localtime_r(&now, &local);
    creationDate_ = DicomValues::FormatDate(local);
    creationTime_ = DicomValues::FormatTime(local);

    ChooseDescription();
    ReadRepetitionTime();

    double tr;
    if (options_.sidecar.GetRepetitionTimeMs(tr))
    {
      repetitionTimeMs_ = tr;   // the sidecar knows better than pixdim[4]
    }
    warnings_.insert(warnings_.end(), options_.sidecar.GetWarnings().begin(), options_.sidecar.GetWarnings().end());

    std::string scanningSequence, inversionTime;
    options_.sidecar.Lookup(scanningSequence, DCM_ScanningSequence);
    inversionTimeAllowed_ = (("\\" + scanningSequence + "\\").find("\\IR\\") != std::string::npos);
    // Enhanced MR says InversionRecovery YES next to its InversionTimes
    if (!inversionTimeAllowed_ && IsClassicImage(options_.iod) &&
        options_.sidecar.Lookup(inversionTime, DCM_InversionTime))
    {
      warnings_.push_back("The sidecar's InversionTime was left out: DICOM allows it only for inversion-recovery "
                          "sequences, and its ScanningSequence has no IR");
    }
    if (options_.iod == IodType::ParametricMap || options_.iod == IodType::Segmentation)
    {
      if (!options_.sidecar.IsEmpty())
      {
        warnings_.push_back("This IOD has no MR functional groups: of the sidecar's acquisition attributes, the "
                            "series only took those of General Series (ProtocolName, BodyPartExamined...) and "
                            "SliceThickness");
      }
    }
    else if (!IsClassicImage(options_.iod) && !IsEnhancedMr(options_.iod) && !options_.sidecar.IsEmpty())
    {
      warnings_.push_back("The sidecar's acquisition attributes apply to MR and CT images only; "
                          "this series only took its description from it");
    }
  }


  const PixelEncoder& SeriesPlan::GetEncoder() const
  {
    if (!encoder_)
    {
      throw ConversionError(ErrorKind::Internal, "This output type has no 16-bit pixel encoder");
    }
    return *encoder_;
  }


  void SeriesPlan::ChooseDescription()
  {
    // Strings from the request and the NIfTI header go into UTF-8 attributes
    bool changed = false;
    const std::string filename = ReplaceInvalidCharacters(DicomValues::ToValidUtf8(options_.sourceFilename),
                                                          false, changed);
    const std::string fromFile = StripNiftiExtension(filename);
    const std::string descrip = options_.useNiftiDescription ?
      DicomValues::ToValidUtf8(Trim(volume_.GetHeader().descrip)) : std::string();

    std::string description = DicomValues::ToValidUtf8(Trim(options_.seriesDescription));
    if (description.empty())
    {
      description = options_.sidecar.GetSeriesDescription();
    }
    if (description.empty())
    {
      description = fromFile;
    }
    if (description.empty())
    {
      description = descrip;
    }
    if (description.empty())
    {
      description = "NIfTI import";
    }

    // SeriesDescription is LO: one value of 64 characters, none of them a control character
    description = Trim(ReplaceInvalidCharacters(description, true, changed));
    if (description.empty())
    {
      description = "NIfTI import";
    }
    seriesDescription_ = DicomValues::TruncateUtf8(description, 64);
    if (seriesDescription_ != description)
    {
      warnings_.push_back("The series description was cut to 64 characters, the DICOM maximum");
    }
    if (changed)
    {
      warnings_.push_back("Control characters (newlines, tabs) in the series description or the file name became "
                          "spaces, and backslashes in the description slashes: DICOM does not allow them there");
    }

    // DerivationDescription is ST: 1024 characters
    std::string derivation = "Converted from NIfTI-" + std::to_string(volume_.GetHeader().version);
    if (!filename.empty())
    {
      derivation += " file \"" + filename + "\"";
    }
    derivation += std::string(" (") + volume_.GetHeader().GetDatatypeName() + ", geometry from the " +
      geometry_.GetSourceName() + ")";
    if (encoder_ && !encoder_->IsLossless())
    {
      derivation += ", values quantised to 16 bits (max error " +
        DicomValues::FormatDecimal(encoder_->GetMaxError()) + ")";
    }
    derivation += " by the Orthanc NIfTI-to-DICOM plugin " NIFTI_TO_DICOM_VERSION;
    derivationDescription_ = DicomValues::TruncateUtf8(derivation, 1024);
  }


  void SeriesPlan::ReadRepetitionTime()
  {
    const NiftiHeader& header = volume_.GetHeader();
    if (volume_.GetTimePoints() <= 1)
    {
      return;
    }

    const double tr = header.pixdim[4];
    if (!std::isfinite(tr) || tr <= 0)
    {
      return;
    }

    switch (header.xyztUnits & 0x38)
    {
      case NIFTI_UNITS_SEC:
        if (tr > 100)
        {
          // A TR of minutes is implausible: such files store milliseconds under a "seconds" unit
          repetitionTimeMs_ = tr;
          warnings_.push_back("pixdim[4] (TR) is " + DicomValues::FormatDecimal(tr) + " with unit seconds, "
                              "which is implausible: it was read as milliseconds");
        }
        else
        {
          repetitionTimeMs_ = tr * 1000.0;
        }
        break;
      case NIFTI_UNITS_MSEC:
        repetitionTimeMs_ = tr;
        break;
      case NIFTI_UNITS_USEC:
        repetitionTimeMs_ = tr / 1000.0;
        break;
      default:
        break;  // unknown unit: leave RepetitionTime empty rather than guess
    }
  }
}
