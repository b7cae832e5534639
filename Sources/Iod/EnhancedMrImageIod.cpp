#include "Iod/EnhancedMrImageIod.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomValues.h"
#include "Dicom/DicomWriter.h"
#include "Iod/EnhancedMrImageModule.h"
#include "Iod/FrameAnatomy.h"
#include "Iod/SidecarPlacement.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <cstring>
#include <memory>

namespace NiftiToDicom
{
  const char* EnhancedMrImageIod::GetSopClassUid() const
  {
    return UID_EnhancedMRImageStorage;
  }


  const char* EnhancedMrImageIod::GetModality(const SeriesPlan& plan) const
  {
    return "MR";
  }


  void EnhancedMrImageIod::AddImageModule(DcmDataset& d, const SeriesPlan& plan, const FrameLayout& layout) const
  {
    EnhancedMrImageModule::Write(d, plan, "MONOCHROME");
    DicomWriter::PutUint16(d, DCM_SamplesPerPixel, 1);
    DicomWriter::Put(d, DCM_PhotometricInterpretation, "MONOCHROME2");
    DicomWriter::PutUint16(d, DCM_BitsAllocated, 16);
    DicomWriter::PutUint16(d, DCM_BitsStored, 16);
    DicomWriter::PutUint16(d, DCM_HighBit, 15);
    DicomWriter::PutUint16(d, DCM_PixelRepresentation, plan.GetEncoder().IsSigned() ? 1 : 0);
    DicomWriter::Put(d, DCM_PatientPosition, "");   // General Series, Type 2C: unknown for a derived volume
  }


  void EnhancedMrImageIod::AddSharedGroups(DcmItem& shared, const SeriesPlan& plan) const
  {
    const PixelEncoder& encoder = plan.GetEncoder();

    WriteFrameAnatomy(shared, plan);

    DcmItem& transformation = DicomWriter::AppendItem(shared, DCM_PixelValueTransformationSequence);
    DicomWriter::Put(transformation, DCM_RescaleIntercept, DicomValues::FormatDecimal(encoder.GetRescaleIntercept()));
    DicomWriter::Put(transformation, DCM_RescaleSlope, DicomValues::FormatDecimal(encoder.GetRescaleSlope()));
    DicomWriter::Put(transformation, DCM_RescaleType, "US");

    DcmItem& voi = DicomWriter::AppendItem(shared, DCM_FrameVOILUTSequence);
    DicomWriter::Put(voi, DCM_WindowCenter, DicomValues::FormatDecimal(encoder.GetWindowCenter()));
    DicomWriter::Put(voi, DCM_WindowWidth, DicomValues::FormatDecimal(encoder.GetWindowWidth()));

    EnhancedMrImageModule::WriteFrameType(shared, plan, "MONOCHROME");
  }


  void EnhancedMrImageIod::AddFrameGroups(DcmItem& perFrame, const SeriesPlan& plan, const Frame& frame) const
  {
    SidecarPlacement::WriteDiffusion(perFrame, plan, frame);
  }


  bool EnhancedMrImageIod::GetPixelElement(DicomWriter::PixelElement& element, const SeriesPlan& plan,
                                           const FrameLayout& layout) const
  {
    const uint64_t frameBytes = static_cast<uint64_t>(plan.GetGeometry().GetRows()) *
      static_cast<uint64_t>(plan.GetGeometry().GetColumns()) * 2;
    element.tag = DCM_PixelData;
    element.vr = EVR_OW;
    element.bytes = frameBytes * layout.frames.size();
    return true;
  }


  void EnhancedMrImageIod::WritePixels(uint8_t* target, const SeriesPlan& plan, const FrameLayout& layout) const
  {
    const PixelEncoder& encoder = plan.GetEncoder();
    const size_t frameBytes = static_cast<size_t>(plan.GetGeometry().GetRows() * plan.GetGeometry().GetColumns()) * 2;
    for (const Frame& frame : layout.frames)
    {
      encoder.EncodeSlice(target, frame.k, frame.t);
      target += frameBytes;
    }
  }
}
