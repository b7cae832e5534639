#include "Dicom/Codes.h"

namespace NiftiToDicom
{
  namespace Codes
  {
    CodedConcept Make(const char* value, const char* scheme, const char* meaning)
    {
      CodedConcept code;
      code.value = value;
      code.scheme = scheme;
      code.meaning = meaning;
      return code;
    }


    const CodedConcept& ProcessingEquipment()
    {
      static const CodedConcept code = Make("109102", "DCM", "Processing Equipment");
      return code;
    }


    const CodedConcept& AcquisitionEquipment()
    {
      static const CodedConcept code = Make("109101", "DCM", "Acquisition Equipment");
      return code;
    }


    const CodedConcept& SourceImageForProcessing()
    {
      static const CodedConcept code = Make("121322", "DCM", "Source image for image processing operation");
      return code;
    }


    const CodedConcept& ImageProcessing()
    {
      static const CodedConcept code = Make("110001", "DCM", "Image Processing");
      return code;
    }


    const CodedConcept& Segmentation()
    {
      static const CodedConcept code = Make("113076", "DCM", "Segmentation");
      return code;
    }


    const CodedConcept& EntireBody()
    {
      static const CodedConcept code = Make("38266002", "SCT", "Entire body");
      return code;
    }


    const CodedConcept& Tissue()
    {
      static const CodedConcept code = Make("85756007", "SCT", "Tissue");
      return code;
    }


    const CodedConcept& NoUnits()
    {
      static const CodedConcept code = Make("1", "UCUM", "no units");
      return code;
    }


    const CodedConcept& Quantity()
    {
      static const CodedConcept code = Make("246205007", "SCT", "Quantity");
      return code;
    }
  }
}
