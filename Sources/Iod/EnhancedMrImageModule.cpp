#include "Iod/EnhancedMrImageModule.h"

#include "Dicom/DicomWriter.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>

namespace NiftiToDicom
{
  namespace EnhancedMrImageModule
  {
    namespace
    {
      // ImageType of the image, FrameType of its frames
      const char* const IMAGE_TYPE = "DERIVED\\PRIMARY\\VOLUME\\NONE";

      // Common CT/MR and MR Image Description macros (C.8.16.2, C.8.13.3)
      void WriteImageDescription(DcmItem& item, const SeriesPlan& plan, const char* pixelPresentation)
      {
        DicomWriter::Put(item, DCM_PixelPresentation, pixelPresentation);
        DicomWriter::Put(item, DCM_VolumetricProperties, "VOLUME");
        DicomWriter::Put(item, DCM_VolumeBasedCalculationTechnique, "NONE");
        DicomWriter::Put(item, DCM_ComplexImageComponent, "MAGNITUDE");
        DicomWriter::Put(item, DCM_AcquisitionContrast, plan.GetOptions().diffusion ? "DIFFUSION" : "UNKNOWN");
      }
    }


    void Write(DcmDataset& d, const SeriesPlan& plan, const char* pixelPresentation)
    {
      DicomWriter::Put(d, DCM_ImageType, IMAGE_TYPE);
      WriteImageDescription(d, plan, pixelPresentation);
      DicomWriter::Put(d, DCM_ContentQualification, "RESEARCH");
      d.insertEmptyElement(DCM_AcquisitionContextSequence);
      DicomWriter::Put(d, DCM_PresentationLUTShape, "IDENTITY");
      DicomWriter::Put(d, DCM_BurnedInAnnotation, "NO");
      DicomWriter::Put(d, DCM_LossyImageCompression, "00");
      DicomWriter::Put(d, DCM_ApplicableSafetyStandardAgency, "IEC");
      WriteSourceImageEvidence(d, plan);
    }


    void WriteFrameType(DcmItem& shared, const SeriesPlan& plan, const char* pixelPresentation)
    {
      DcmItem& frameType = DicomWriter::AppendItem(shared, DCM_MRImageFrameTypeSequence);
      DicomWriter::Put(frameType, DCM_FrameType, IMAGE_TYPE);
      WriteImageDescription(frameType, plan, pixelPresentation);
    }


    void WriteSourceImageEvidence(DcmDataset& d, const SeriesPlan& plan)
    {
      const SeriesOptions& options = plan.GetOptions();
      if (!options.hasReference || options.reference.images.empty())
      {
        return;
      }

      // Hierarchical SOP Instance Reference macro (C.17.2.1); the reference
      // series belongs to the parent study (checked by the plugin)
      DcmItem& study = DicomWriter::AppendItem(d, DCM_SourceImageEvidenceSequence);
      DicomWriter::Put(study, DCM_StudyInstanceUID, plan.GetParent().GetStudyInstanceUid());
      DcmItem& series = DicomWriter::AppendItem(study, DCM_ReferencedSeriesSequence);
      DicomWriter::Put(series, DCM_SeriesInstanceUID, options.reference.seriesInstanceUid);
      for (const ReferencedImage& image : options.reference.images)
      {
        DcmItem& instance = DicomWriter::AppendItem(series, DCM_ReferencedSOPSequence);
        DicomWriter::Put(instance, DCM_ReferencedSOPClassUID, image.sopClassUid);
        DicomWriter::Put(instance, DCM_ReferencedSOPInstanceUID, image.sopInstanceUid);
      }
    }
  }
}
