#include "Iod/EnhancedMrColorImageIod.h"

#include "Dicom/DicomWriter.h"
#include "Dicom/Modules.h"
#include "Iod/EnhancedMrImageModule.h"
#include "Iod/FrameAnatomy.h"
#include "Iod/SidecarPlacement.h"
#include "Iod/RgbFrames.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>

namespace NiftiToDicom
{
  const char* EnhancedMrColorImageIod::GetSopClassUid() const
  {
    return UID_EnhancedMRColorImageStorage;
  }


  const char* EnhancedMrColorImageIod::GetModality(const SeriesPlan& plan) const
  {
    return "MR";
  }


  void EnhancedMrColorImageIod::AddImageModule(DcmDataset& d, const SeriesPlan& plan, const FrameLayout& layout) const
  {
    EnhancedMrImageModule::Write(d, plan, "TRUE_COLOR");
    RgbFrames::WritePixelDescription(d);
    DicomWriter::Put(d, DCM_PatientPosition, "");   // General Series, Type 2C: unknown for a derived volume
    Modules::WriteIccProfile(d);
  }


  void EnhancedMrColorImageIod::AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const
  {
    WriteFrameAnatomy(shared, plan);
    EnhancedMrImageModule::WriteFrameType(shared, plan, "TRUE_COLOR");
  }


  void EnhancedMrColorImageIod::AddFrameGroups(DcmItem& perFrame, const SeriesPlan& plan, const Frame& frame) const
  {
    SidecarPlacement::WriteDiffusion(perFrame, plan, frame);
  }


  void EnhancedMrColorImageIod::AddPixelData(DcmDataset& d, const SeriesPlan& plan, const FrameLayout& layout) const
  {
    RgbFrames::InsertPixelData(d, plan.GetVolume(), layout.frames);
  }
}
