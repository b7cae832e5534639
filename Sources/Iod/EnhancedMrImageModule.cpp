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
      void WriteImageDescription(DcmItem& item, const char* pixelPresentation)
      {
        DicomWriter::Put(item, DCM_PixelPresentation, pixelPresentation);
        DicomWriter::Put(item, DCM_VolumetricProperties, "VOLUME");
        DicomWriter::Put(item, DCM_VolumeBasedCalculationTechnique, "NONE");
        DicomWriter::Put(item, DCM_ComplexImageComponent, "MAGNITUDE");
        DicomWriter::Put(item, DCM_AcquisitionContrast, "UNKNOWN");
      }
    }


    void Write(DcmDataset& d, const char* pixelPresentation)
    {
      DicomWriter::Put(d, DCM_ImageType, IMAGE_TYPE);
      WriteImageDescription(d, pixelPresentation);
      DicomWriter::Put(d, DCM_ContentQualification, "RESEARCH");
      d.insertEmptyElement(DCM_AcquisitionContextSequence);
      DicomWriter::Put(d, DCM_PresentationLUTShape, "IDENTITY");
      DicomWriter::Put(d, DCM_BurnedInAnnotation, "NO");
      DicomWriter::Put(d, DCM_LossyImageCompression, "00");
      DicomWriter::Put(d, DCM_ApplicableSafetyStandardAgency, "IEC");
    }


    void WriteFrameType(DcmItem& shared, const char* pixelPresentation)
    {
      DcmItem& frameType = DicomWriter::AppendItem(shared, DCM_MRImageFrameTypeSequence);
      DicomWriter::Put(frameType, DCM_FrameType, IMAGE_TYPE);
      WriteImageDescription(frameType, pixelPresentation);
    }
  }
}
