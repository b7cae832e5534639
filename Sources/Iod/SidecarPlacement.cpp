#include "Iod/SidecarPlacement.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomValues.h"
#include "Dicom/DicomWriter.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>

#include <cstdlib>
#include <utility>
#include <vector>

namespace NiftiToDicom
{
  namespace SidecarPlacement
  {
    namespace
    {
      struct Entry
      {
        DcmTagKey  tag;
        Kind       kind;
        DcmTagKey  group;
        DcmTagKey  target;
      };

      const DcmTagKey NONE;

      Entry Top(const DcmTagKey& tag, const DcmTagKey& target)
      {
        return { tag, Kind::TopLevel, NONE, target };
      }

      Entry Top(const DcmTagKey& tag)
      {
        return Top(tag, tag);
      }

      Entry In(const DcmTagKey& group, const DcmTagKey& tag, const DcmTagKey& target)
      {
        return { tag, Kind::Group, group, target };
      }

      Entry In(const DcmTagKey& group, const DcmTagKey& tag)
      {
        return In(group, tag, tag);
      }

      Entry Rule(const DcmTagKey& tag)
      {
        return { tag, Kind::Derived, NONE, NONE };
      }

      Entry Drop(const DcmTagKey& tag)
      {
        return { tag, Kind::Dropped, NONE, NONE };
      }

      // What both families leave out: the request names the series, the
      // NIfTI's geometry decides the spacing, and General Equipment is this
      // plugin (the scanner is in ContributingEquipmentSequence, and a
      // vendor's name at the top level sends readers down that vendor's
      // private-tag paths)
      const Entry COMMON[] =
      {
        Drop(DCM_SeriesNumber),
        Drop(DCM_SeriesDescription),
        Drop(DCM_SpacingBetweenSlices),
        Drop(DCM_Manufacturer),
        Drop(DCM_ManufacturerModelName),
        Drop(DCM_DeviceSerialNumber),
        Drop(DCM_StationName),
        Drop(DCM_SoftwareVersions),
        Drop(DCM_InstitutionName),
        Drop(DCM_InstitutionAddress),
        Drop(DCM_InstitutionalDepartmentName),
        Rule(DCM_SliceThickness),               // Pixel Measures
        // General Series
        Top(DCM_ProtocolName),
        Top(DCM_BodyPartExamined),
        Top(DCM_PatientPosition),
        Top(DCM_PerformedProcedureStepDescription)
      };

      // PS3.3 C.8.13: the Enhanced MR Image module with its MR Image and
      // Spectroscopy Instance macro, the MR Pulse Sequence module and the
      // MR functional group macros (C.8.13.5)
      const Entry ENHANCED_MR[] =
      {
        Top(DCM_AcquisitionNumber),
        Top(DCM_AcquisitionDuration),
        Top(DCM_ImageComments),
        Top(DCM_MagneticFieldStrength),
        Top(DCM_ImagedNucleus, DCM_ResonantNucleus),
        // MR Pulse Sequence (C.8.13.4): dciodvfy refuses its attributes in
        // a derived image, where PS3.3 allows them
        Drop(DCM_MRAcquisitionType),
        Drop(DCM_PulseSequenceName),
        Rule(DCM_AcquisitionDateTime),
        Rule(DCM_AcquisitionDate),
        Rule(DCM_AcquisitionTime),
        // Classic attributes without an Enhanced equivalent: standard
        // attributes beyond the IOD (an extended SOP class), which readers
        // such as dcm2niix read
        Top(DCM_ScanningSequence),             // also InversionRecovery, see WriteSpecialGroups
        Top(DCM_SequenceName),
        Top(DCM_SequenceVariant),
        Top(DCM_ScanOptions),
        Top(DCM_AcquisitionMatrix),
        Top(DCM_EchoNumbers),

        Rule(DCM_RepetitionTime),               // the plan's (the sidecar's, else pixdim[4])
        In(DCM_MRTimingAndRelatedParametersSequence, DCM_FlipAngle),
        In(DCM_MRTimingAndRelatedParametersSequence, DCM_EchoTrainLength),
        In(DCM_MRTimingAndRelatedParametersSequence, DCM_RFEchoTrainLength),
        In(DCM_MRTimingAndRelatedParametersSequence, DCM_GradientEchoTrainLength),
        Rule(DCM_SAR),                          // SpecificAbsorptionRateSequence, IEC_WHOLE_BODY
        Rule(DCM_dBdt),                         // GradientOutputType DB_DT, GradientOutput

        In(DCM_MREchoSequence, DCM_EchoTime, DCM_EffectiveEchoTime),
        In(DCM_MREchoSequence, DCM_EffectiveEchoTime),

        Rule(DCM_InversionTime),                // InversionRecovery YES, InversionTimes
        In(DCM_MRModifierSequence, DCM_InversionTimes),
        In(DCM_MRModifierSequence, DCM_ParallelAcquisition),
        In(DCM_MRModifierSequence, DCM_ParallelAcquisitionTechnique),
        In(DCM_MRModifierSequence, DCM_ParallelReductionFactorInPlane),
        In(DCM_MRModifierSequence, DCM_ParallelReductionFactorOutOfPlane),
        In(DCM_MRModifierSequence, DCM_PartialFourier),
        In(DCM_MRModifierSequence, DCM_PartialFourierDirection),
        In(DCM_MRModifierSequence, DCM_Spoiling),

        Rule(DCM_InPlanePhaseEncodingDirection),   // COL becomes COLUMN
        In(DCM_MRFOVGeometrySequence, DCM_PercentSampling),
        In(DCM_MRFOVGeometrySequence, DCM_PercentPhaseFieldOfView),
        In(DCM_MRFOVGeometrySequence, DCM_NumberOfPhaseEncodingSteps, DCM_MRAcquisitionPhaseEncodingStepsInPlane),
        In(DCM_MRFOVGeometrySequence, DCM_MRAcquisitionPhaseEncodingStepsInPlane),
        In(DCM_MRFOVGeometrySequence, DCM_MRAcquisitionPhaseEncodingStepsOutOfPlane),
        In(DCM_MRFOVGeometrySequence, DCM_MRAcquisitionFrequencyEncodingSteps),

        In(DCM_MRImagingModifierSequence, DCM_ImagingFrequency, DCM_TransmitterFrequency),
        In(DCM_MRImagingModifierSequence, DCM_TransmitterFrequency),
        In(DCM_MRImagingModifierSequence, DCM_PixelBandwidth),
        In(DCM_MRImagingModifierSequence, DCM_MagnetizationTransfer),

        In(DCM_MRAveragesSequence, DCM_NumberOfAverages),
        In(DCM_MRReceiveCoilSequence, DCM_ReceiveCoilName),
        In(DCM_MRTransmitCoilSequence, DCM_TransmitCoilName),

        // From bval/bvec, per frame
        Drop(DCM_DiffusionBValue),
        Drop(DCM_DiffusionGradientOrientation),
        Drop(DCM_DiffusionDirectionality)
      };

      template <size_t N>
      const Entry* Search(const Entry (&table)[N], const DcmTagKey& tag)
      {
        for (const Entry& entry : table)
        {
          if (entry.tag == tag)
          {
            return &entry;
          }
        }
        return nullptr;
      }

      bool Lookup(std::string& value, const SeriesPlan& plan, const DcmTagKey& tag)
      {
        return plan.GetOptions().sidecar.Lookup(value, tag) && !value.empty();
      }

      bool HasCode(const std::string& codes, const char* code)
      {
        return ("\\" + codes + "\\").find("\\" + std::string(code) + "\\") != std::string::npos;
      }

      DcmItem& GroupItem(DcmItem& shared, const DcmTagKey& group)
      {
        DcmItem* item = nullptr;
        if (shared.findOrCreateSequenceItem(group, item, 0).bad() || item == nullptr)
        {
          throw ConversionError(ErrorKind::Internal, std::string("Cannot create an item of ") +
                                group.toString().c_str());
        }
        return *item;
      }

      // The sidecar's values were checked against the VR of the classic
      // tag: a US target (steps of k-space) takes only what fits 16 bits,
      // an enumerated one only its values (dcm2niix writes "SMS", which
      // PS3.3 C.8.13.5.6 does not list)
      bool FitsTarget(const DcmTagKey& target, const std::string& value)
      {
        if (target == DCM_ParallelAcquisitionTechnique)
        {
          return value == "PILS" || value == "SENSE" || value == "SMASH" || value == "OTHER";
        }
        if (target == DCM_MRAcquisitionPhaseEncodingStepsInPlane ||
            target == DCM_MRAcquisitionPhaseEncodingStepsOutOfPlane ||
            target == DCM_MRAcquisitionFrequencyEncodingSteps ||
            target == DCM_RFEchoTrainLength ||
            target == DCM_GradientEchoTrainLength)
        {
          char* end = nullptr;
          const long number = strtol(value.c_str(), &end, 10);
          return end != value.c_str() && *end == '\0' && number >= 0 && number <= 65535;
        }
        return true;
      }

      void WriteAcquisitionDateTime(DcmDataset& d, const SeriesPlan& plan)
      {
        std::string dateTime, date, time;
        if (Lookup(dateTime, plan, DCM_AcquisitionDateTime))
        {
          DicomWriter::Put(d, DCM_AcquisitionDateTime, dateTime);
        }
        else if (Lookup(time, plan, DCM_AcquisitionTime))
        {
          // A time without its date is dropped by readers: the acquisition
          // took place on the day of the study unless the sidecar says
          if (!Lookup(date, plan, DCM_AcquisitionDate))
          {
            date = plan.GetParent().GetString(DCM_StudyDate);
          }
          if (date.size() == 8 && date.find_first_not_of("0123456789") == std::string::npos)
          {
            DicomWriter::Put(d, DCM_AcquisitionDateTime, date + time);
          }
        }
      }

      // What dciodvfy demands of each MR functional group once present
      // (PS3.3 makes most of them Type 1C on ORIGINAL frames only, which
      // dicom3tools cannot check): a group lacking one of them stays out
      struct Requirement
      {
        DcmTagKey               group;
        std::vector<DcmTagKey>  tags;
      };

      const std::vector<Requirement>& GetRequirements()
      {
        static const std::vector<Requirement> requirements =
        {
          { DCM_MRTimingAndRelatedParametersSequence,
            { DCM_RepetitionTime, DCM_FlipAngle, DCM_EchoTrainLength, DCM_RFEchoTrainLength,
              DCM_GradientEchoTrainLength, DCM_SpecificAbsorptionRateSequence, DCM_OperatingModeSequence } },
          { DCM_MREchoSequence, { DCM_EffectiveEchoTime } },
          { DCM_MRModifierSequence,
            { DCM_InversionRecovery, DCM_FlowCompensation, DCM_T2Preparation, DCM_SpectrallySelectedExcitation,
              DCM_SpatialPresaturation, DCM_PartialFourier, DCM_ParallelAcquisition } },
          { DCM_MRFOVGeometrySequence,
            { DCM_InPlanePhaseEncodingDirection, DCM_MRAcquisitionFrequencyEncodingSteps,
              DCM_MRAcquisitionPhaseEncodingStepsInPlane, DCM_PercentSampling, DCM_PercentPhaseFieldOfView } },
          { DCM_MRImagingModifierSequence,
            { DCM_MagnetizationTransfer, DCM_BloodSignalNulling, DCM_Tagging, DCM_TransmitterFrequency,
              DCM_PixelBandwidth } },
          { DCM_MRAveragesSequence, { DCM_NumberOfAverages } },
          { DCM_MRReceiveCoilSequence, { DCM_ReceiveCoilName, DCM_ReceiveCoilType, DCM_QuadratureReceiveCoil } },
          { DCM_MRTransmitCoilSequence, { DCM_TransmitCoilName, DCM_TransmitCoilType } }
        };
        return requirements;
      }

      // The MR functional groups being filled, and for each the classic
      // attributes (sidecar tag and value) their content came from
      class GroupBuilder
      {
      private:
        DcmItem  groups_;
        std::vector<std::pair<DcmTagKey, std::pair<DcmTagKey, std::string> > >  classic_;

      public:
        DcmItem& Item(const DcmTagKey& group)
        {
          return GroupItem(groups_, group);
        }

        void Put(const DcmTagKey& group, const DcmTagKey& target, const std::string& value,
                 const DcmTagKey& classicTag, const std::string& classicValue)
        {
          DicomWriter::Put(Item(group), target, value);
          Remember(group, classicTag, classicValue);
        }

        void Remember(const DcmTagKey& group, const DcmTagKey& classicTag, const std::string& classicValue)
        {
          classic_.push_back(std::make_pair(group, std::make_pair(classicTag, classicValue)));
        }

        // Complete groups into "shared"; the content of the others goes to
        // the top level as the classic attributes (a standard extended SOP
        // class), where readers such as dcm2niix find them
        void Flush(DcmItem& shared, DcmItem& topLevel)
        {
          for (const Requirement& requirement : GetRequirements())
          {
            DcmItem* item = nullptr;
            if (groups_.findAndGetSequenceItem(requirement.group, item, 0).bad() || item == nullptr)
            {
              continue;
            }
            bool complete = true;
            for (const DcmTagKey& tag : requirement.tags)
            {
              complete = complete && item->tagExists(tag);
            }
            if (complete)
            {
              DcmItem& copy = GroupItem(shared, requirement.group);
              for (unsigned long i = 0; i < item->card(); i++)
              {
                copy.insert(dynamic_cast<DcmElement*>(item->getElement(i)->clone()), true);
              }
            }
            else
            {
              for (const auto& entry : classic_)
              {
                if (entry.first == requirement.group && !entry.second.second.empty())
                {
                  DicomWriter::Put(topLevel, entry.second.first, entry.second.second);
                }
              }
            }
          }
        }
      };

      void WriteSpecialGroups(GroupBuilder& groups, const SeriesPlan& plan)
      {
        std::string value, scanning;
        if (plan.GetRepetitionTimeMs() > 0)
        {
          const std::string tr = DicomValues::FormatDecimal(plan.GetRepetitionTimeMs());
          groups.Put(DCM_MRTimingAndRelatedParametersSequence, DCM_RepetitionTime, tr, DCM_RepetitionTime, tr);
        }
        if (Lookup(value, plan, DCM_SAR))
        {
          DcmItem& sar = DicomWriter::AppendItem(groups.Item(DCM_MRTimingAndRelatedParametersSequence),
                                                 DCM_SpecificAbsorptionRateSequence);
          DicomWriter::Put(sar, DCM_SpecificAbsorptionRateDefinition, "IEC_WHOLE_BODY");
          DicomWriter::Put(sar, DCM_SpecificAbsorptionRateValue, value);
          groups.Remember(DCM_MRTimingAndRelatedParametersSequence, DCM_SAR, value);
        }
        if (Lookup(value, plan, DCM_dBdt))
        {
          DicomWriter::Put(groups.Item(DCM_MRTimingAndRelatedParametersSequence), DCM_GradientOutputType, "DB_DT");
          groups.Put(DCM_MRTimingAndRelatedParametersSequence, DCM_GradientOutput, value, DCM_dBdt, value);
        }

        // InversionTimes only with InversionRecovery YES (C.8.13.5.6)
        std::string inversionTime;
        const bool hasInversionTime = Lookup(inversionTime, plan, DCM_InversionTime);
        const bool inversionRecovery = Lookup(scanning, plan, DCM_ScanningSequence) && HasCode(scanning, "IR");
        if (hasInversionTime || inversionRecovery)
        {
          DicomWriter::Put(groups.Item(DCM_MRModifierSequence), DCM_InversionRecovery, "YES");
          if (hasInversionTime)
          {
            groups.Put(DCM_MRModifierSequence, DCM_InversionTimes, inversionTime, DCM_InversionTime, inversionTime);
          }
        }

        // The classic "COL" is "COLUMN" in the enhanced IODs
        if (Lookup(value, plan, DCM_InPlanePhaseEncodingDirection))
        {
          groups.Put(DCM_MRFOVGeometrySequence, DCM_InPlanePhaseEncodingDirection, value == "COL" ? "COLUMN" : value,
                     DCM_InPlanePhaseEncodingDirection, value);
        }
      }
    }


    Placement Find(Family family, const DcmTagKey& tag)
    {
      const Entry* entry = Search(COMMON, tag);
      if (entry == nullptr && family == Family::EnhancedMr)
      {
        entry = Search(ENHANCED_MR, tag);
      }
      if (entry != nullptr)
      {
        return { entry->kind, entry->group, entry->target };
      }
      else if (family == Family::EnhancedMr)
      {
        return { Kind::TopLevel, NONE, tag };
      }
      else
      {
        return { Kind::Dropped, NONE, NONE };
      }
    }


    void WriteTopLevel(DcmDataset& d, const SeriesPlan& plan, Family family)
    {
      for (const auto& attribute : plan.GetOptions().sidecar.GetAttributes())
      {
        const Placement placement = Find(family, attribute.first);
        if (placement.kind == Kind::TopLevel)
        {
          DicomWriter::Put(d, placement.target, attribute.second);
        }
      }
      if (family == Family::EnhancedMr)
      {
        WriteAcquisitionDateTime(d, plan);
      }
    }


    void WriteSharedGroups(DcmItem& shared, DcmItem& topLevel, const SeriesPlan& plan, Family family)
    {
      if (family != Family::EnhancedMr)
      {
        return;
      }
      GroupBuilder groups;
      for (const auto& attribute : plan.GetOptions().sidecar.GetAttributes())
      {
        const Placement placement = Find(family, attribute.first);
        if (placement.kind == Kind::Group && !attribute.second.empty() &&
            FitsTarget(placement.target, attribute.second))
        {
          groups.Put(placement.group, placement.target, attribute.second, attribute.first, attribute.second);
        }
      }
      WriteSpecialGroups(groups, plan);
      groups.Flush(shared, topLevel);
    }


    void WriteDiffusion(DcmItem& perFrame, const SeriesPlan& plan, const Frame& frame)
    {
      const std::shared_ptr<DiffusionTable>& table = plan.GetOptions().diffusion;
      if (!table)
      {
        return;
      }
      DcmItem& diffusion = DicomWriter::AppendItem(perFrame, DCM_MRDiffusionSequence);
      const std::string directionality = table->GetDirectionality(frame.t);
      if (diffusion.putAndInsertFloat64(DCM_DiffusionBValue, table->GetWrittenBValue(frame.t)).bad())
      {
        throw ConversionError(ErrorKind::Internal, "Cannot set the b-value of volume " + std::to_string(frame.t));
      }
      DicomWriter::Put(diffusion, DCM_DiffusionDirectionality, directionality);
      if (directionality == "DIRECTIONAL")
      {
        // Type 1C: the direction, in the patient, of the directional ones only
        const Vector3 gradient = table->GetGradientLps(frame.t, plan.GetGeometry().GetAffine());
        DcmItem& direction = DicomWriter::AppendItem(diffusion, DCM_DiffusionGradientDirectionSequence);
        if (direction.putAndInsertFloat64Array(DCM_DiffusionGradientOrientation, gradient.data(), 3).bad())
        {
          throw ConversionError(ErrorKind::Internal, "Cannot set the gradient of volume " + std::to_string(frame.t));
        }
      }
    }


    double GetSliceThickness(const SeriesPlan& plan)
    {
      std::string value;
      if (plan.GetOptions().sidecar.Lookup(value, DCM_SliceThickness))
      {
        char* end = nullptr;
        const double thickness = strtod(value.c_str(), &end);
        if (end != value.c_str() && *end == '\0' && thickness > 0)
        {
          return thickness;
        }
      }
      return plan.GetGeometry().GetSliceSpacing();
    }
  }
}
