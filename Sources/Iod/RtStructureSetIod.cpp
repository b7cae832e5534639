#include "Iod/RtStructureSetIod.h"

#include "Common/ConversionError.h"
#include "Contours/LabelContours.h"
#include "Contours/ReferencePlanes.h"
#include "Dicom/DicomValues.h"
#include "Dicom/DicomWriter.h"
#include "Dicom/Modules.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <cmath>
#include <cstdio>

namespace NiftiToDicom
{
  namespace
  {
    // An element of explicit VR DS has a 16-bit length
    const size_t MAX_EXPLICIT_LENGTH = 0xFFFE;

    // Display colours of labels the request gives none: distinct, cycled
    const uint8_t PALETTE[][3] = {
      { 230, 25, 75 }, { 60, 180, 75 }, { 255, 225, 25 }, { 0, 130, 200 }, { 245, 130, 48 }, { 145, 30, 180 },
      { 70, 240, 240 }, { 240, 50, 230 }, { 210, 245, 60 }, { 250, 190, 212 }, { 0, 128, 128 }, { 170, 110, 40 }
    };

    std::string FormatColor(const uint8_t rgb[3])
    {
      return std::to_string(rgb[0]) + "\\" + std::to_string(rgb[1]) + "\\" + std::to_string(rgb[2]);
    }

    void AddImageReference(DcmItem& item, const ReferencedImage& image)
    {
      DcmItem& reference = DicomWriter::AppendItem(item, DCM_ContourImageSequence);
      DicomWriter::Put(reference, DCM_ReferencedSOPClassUID, image.sopClassUid);
      DicomWriter::Put(reference, DCM_ReferencedSOPInstanceUID, image.sopInstanceUid);
    }
  }


  const char* const RtStructureSetIod::INTERPRETED_TYPE = "ORGAN";


  std::string RtStructureSetIod::FormatCoordinate(double value)
  {
    if (!(std::fabs(value) < 1e10))
    {
      return DicomValues::FormatDecimal(value);   // throws for NaN and infinities
    }
    char buffer[32];
    snprintf(buffer, sizeof(buffer), "%.3f", value);
    std::string text(buffer);
    while (text.back() == '0')
    {
      text.pop_back();
    }
    if (text.back() == '.')
    {
      text.pop_back();
    }
    return (text == "-0") ? "0" : text;
  }


  void RtStructureSetIod::BuildInstance(std::string& file, std::string& scratch, const SeriesPlan& plan,
                                        int64_t index) const
  {
    const SeriesOptions& options = plan.GetOptions();
    if (!options.hasReference)
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "An RT Structure Set needs \"ReferenceSeries\": the series the label map was drawn on");
    }
    const ReferenceSeries& reference = options.reference;

    std::vector<std::string> warnings;   // already reported when the options were built
    const std::vector<ReferencePlanes::Plane> planes = ReferencePlanes::Map(plan.GetGeometry(), reference, warnings);
    const std::vector<LabelContours::Roi> rois =
      LabelContours::Extract(plan.GetVolume(), plan.GetGeometry(), planes, ReferencePlanes::GetNormal(reference),
                             options.limits);
    if (rois.empty())
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "The label map is empty on the images of the reference series (every voxel there is 0): "
                            "an RT Structure Set needs at least one label");
    }

    DcmFileFormat fileFormat;
    DcmDataset& d = *fileFormat.getDataset();

    Modules::WriteSopCommon(d, plan, UID_RTStructureSetStorage);
    Modules::WriteContributingEquipment(d, plan);
    Modules::WritePatientAndStudy(d, plan);

    // RT Series (C.8.8.1): General Series' attributes that it shares, and its own Type 2
    Modules::WriteGeneralSeries(d, plan, "RTSTRUCT");
    DicomWriter::Put(d, DCM_OperatorsName, "");
    Modules::WriteGeneralEquipment(d);

    // Frame of Reference (C.7.4.1): the reference's, which the contours are in
    DicomWriter::Put(d, DCM_FrameOfReferenceUID, reference.frameOfReferenceUid);
    DicomWriter::Put(d, DCM_PositionReferenceIndicator, "");

    // Structure Set (C.8.8.5)
    DicomWriter::Put(d, DCM_StructureSetLabel, DicomValues::TruncateUtf8(plan.GetSeriesDescription(), 16));
    DicomWriter::Put(d, DCM_StructureSetName, plan.GetSeriesDescription());
    DicomWriter::Put(d, DCM_StructureSetDescription, plan.GetDerivationDescription());
    DicomWriter::Put(d, DCM_InstanceNumber, "1");
    DicomWriter::Put(d, DCM_StructureSetDate, plan.GetCreationDate());
    DicomWriter::Put(d, DCM_StructureSetTime, plan.GetCreationTime());
    {
      DcmItem& frame = DicomWriter::AppendItem(d, DCM_ReferencedFrameOfReferenceSequence);
      DicomWriter::Put(frame, DCM_FrameOfReferenceUID, reference.frameOfReferenceUid);
      DcmItem& study = DicomWriter::AppendItem(frame, DCM_RTReferencedStudySequence);
      // The SOP class PS3.3 C.8.8.5 names for a study (a retired one, still the one to use)
      DicomWriter::Put(study, DCM_ReferencedSOPClassUID, UID_RETIRED_DetachedStudyManagementSOPClass);
      DicomWriter::Put(study, DCM_ReferencedSOPInstanceUID, plan.GetParent().GetStudyInstanceUid());
      DcmItem& series = DicomWriter::AppendItem(study, DCM_RTReferencedSeriesSequence);
      DicomWriter::Put(series, DCM_SeriesInstanceUID, reference.seriesInstanceUid);
      for (const ReferencedImage& image : reference.images)
      {
        AddImageReference(series, image);
      }
    }

    for (const LabelContours::Roi& roi : rois)
    {
      const std::string number = std::to_string(roi.label);   // ROI n is label n
      auto label = options.labels.find(roi.label);
      const bool named = (label != options.labels.end() && !label->second.name.empty());

      DcmItem& item = DicomWriter::AppendItem(d, DCM_StructureSetROISequence);
      DicomWriter::Put(item, DCM_ROINumber, number);
      DicomWriter::Put(item, DCM_ReferencedFrameOfReferenceUID, reference.frameOfReferenceUid);
      DicomWriter::Put(item, DCM_ROIName, named ? DicomValues::TruncateUtf8(label->second.name, 64) :
                       "Label " + number);
      DicomWriter::Put(item, DCM_ROIDescription, "NIfTI label value " + number);
      DicomWriter::Put(item, DCM_ROIGenerationAlgorithm, "AUTOMATIC");
      DicomWriter::Put(item, DCM_ROIGenerationDescription, "Voxel boundaries of a NIfTI label map");
    }

    // ROI Contour (C.8.8.6)
    bool needsImplicit = false;
    for (const LabelContours::Roi& roi : rois)
    {
      const std::string number = std::to_string(roi.label);
      auto label = options.labels.find(roi.label);

      DcmItem& item = DicomWriter::AppendItem(d, DCM_ROIContourSequence);
      DicomWriter::Put(item, DCM_ReferencedROINumber, number);
      DicomWriter::Put(item, DCM_ROIDisplayColor,
                       FormatColor((label != options.labels.end() && label->second.hasColor) ? label->second.color :
                                   PALETTE[(roi.label - 1) % (sizeof(PALETTE) / sizeof(PALETTE[0]))]));

      int64_t contourNumber = 0;
      for (const LabelContours::Contour& contour : roi.contours)
      {
        DcmItem& c = DicomWriter::AppendItem(item, DCM_ContourSequence);
        DicomWriter::Put(c, DCM_ContourNumber, std::to_string(++contourNumber));
        AddImageReference(c, reference.images[planes[contour.plane].image]);
        DicomWriter::Put(c, DCM_ContourGeometricType, "CLOSED_PLANAR");
        DicomWriter::Put(c, DCM_NumberOfContourPoints, std::to_string(contour.points.size() / 3));

        std::string& data = scratch;   // reused from one contour to the next
        data.clear();
        for (double value : contour.points)
        {
          if (!data.empty())
          {
            data += '\\';
          }
          data += FormatCoordinate(value);
        }
        needsImplicit = needsImplicit || data.size() > MAX_EXPLICIT_LENGTH;
        DicomWriter::Put(c, DCM_ContourData, data);
      }
    }

    // RT ROI Observations (C.8.8.8)
    for (const LabelContours::Roi& roi : rois)
    {
      const std::string number = std::to_string(roi.label);
      DcmItem& item = DicomWriter::AppendItem(d, DCM_RTROIObservationsSequence);
      DicomWriter::Put(item, DCM_ObservationNumber, number);
      DicomWriter::Put(item, DCM_ReferencedROINumber, number);
      DicomWriter::Put(item, DCM_RTROIInterpretedType, INTERPRETED_TYPE);
      DicomWriter::Put(item, DCM_ROIInterpreter, "");
    }

    options.tags.ApplyTo(d);

    // A contour over 64 KB of text does not fit explicit VR's 16-bit length
    DicomWriter::WritePart10(file, fileFormat, needsImplicit ? EXS_LittleEndianImplicit : EXS_LittleEndianExplicit);
  }
}
