#include "Iod/FrameAnatomy.h"

#include "Dicom/Codes.h"
#include "Dicom/DicomWriter.h"

#include <dcmtk/dcmdata/dcdeftag.h>

namespace NiftiToDicom
{
  void WriteFrameAnatomy(DcmItem& shared)
  {
    DcmItem& anatomy = DicomWriter::AppendItem(shared, DCM_FrameAnatomySequence);
    DicomWriter::Put(anatomy, DCM_FrameLaterality, "U");
    DicomWriter::AddCode(anatomy, DCM_AnatomicRegionSequence, Codes::EntireBody());
  }
}
