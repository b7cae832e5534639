#include "Iod/TrueColorSecondaryCaptureIod.h"

#include "Dicom/DicomValues.h"
#include "Dicom/DicomWriter.h"
#include "Dicom/Modules.h"
#include "Iod/RgbFrames.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

namespace NiftiToDicom
{
  void TrueColorSecondaryCaptureIod::BuildInstance(std::string& file, std::string& scratch, const SeriesPlan& plan,
                                                   int64_t index) const
  {
    DcmFileFormat fileFormat;
    DcmDataset& d = *fileFormat.getDataset();

    Modules::WriteSopCommon(d, plan, UID_MultiframeTrueColorSecondaryCaptureImageStorage);
    Modules::WriteContributingEquipment(d, plan);
    Modules::WritePatientAndStudy(d, plan);
    Modules::WriteGeneralSeries(d, plan, "OT");
    DicomWriter::Put(d, DCM_Laterality, "");            // General Series, Type 2C: unknown
    Modules::WriteGeneralEquipment(d);
    DicomWriter::Put(d, DCM_ConversionType, "WSD");     // SC Equipment: made on a workstation
    Modules::WriteImageDerivation(d, plan);
    Modules::WriteCommonInstanceReference(d, plan);

    // General Image, SC Multi-frame Image
    DicomWriter::Put(d, DCM_ImageType, "DERIVED\\SECONDARY");
    DicomWriter::Put(d, DCM_InstanceNumber, "1");
    DicomWriter::Put(d, DCM_PatientOrientation, "");
    DicomWriter::Put(d, DCM_BurnedInAnnotation, "NO");
    RgbFrames::WritePixelDescription(d);
    DicomWriter::PutUint16(d, DCM_Rows, plan.GetGeometry().GetRows());
    DicomWriter::PutUint16(d, DCM_Columns, plan.GetGeometry().GetColumns());

    // Multi-frame: the slice locations are what is left of the geometry
    const std::vector<Frame> frames = FrameLayout::ListAllSlices(plan.GetSliceCount(), plan.GetTimePointCount());
    std::vector<double> locations;
    for (const Frame& frame : frames)
    {
      locations.push_back(plan.GetGeometry().GetSliceLocation(frame.k));
    }
    DicomWriter::Put(d, DCM_NumberOfFrames, std::to_string(frames.size()));
    d.putAndInsertTagKey(DCM_FrameIncrementPointer, DCM_SliceLocationVector);
    DicomWriter::Put(d, DCM_SliceLocationVector, DicomValues::FormatDecimals(locations));

    plan.GetOptions().tags.ApplyTo(d);

    RgbFrames::InsertPixelData(d, plan.GetVolume(), frames);
    DicomWriter::WritePart10(file, fileFormat);
  }
}
