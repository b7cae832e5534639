#include "Iod/FrameAnatomy.h"

#include "Dicom/Codes.h"
#include "Dicom/DicomWriter.h"

#include <dcmtk/dcmdata/dcdeftag.h>

namespace NiftiToDicom
{
  namespace
  {
    struct BodyPart
    {
      const char*  examined;   // BodyPartExamined (PS3.16 Annex L)
      CodedConcept region;     // its SNOMED CT code of CID 4031
    };

    const BodyPart BODY_PARTS[] =
    {
      { "BRAIN", { "12738006", "SCT", "Brain" } },
      { "HEAD", { "69536005", "SCT", "Head" } },
      { "NECK", { "45048000", "SCT", "Neck" } },
      { "CHEST", { "51185008", "SCT", "Chest" } },
      { "HEART", { "80891009", "SCT", "Heart" } },
      { "ABDOMEN", { "113345001", "SCT", "Abdomen" } },
      { "PELVIS", { "12921003", "SCT", "Pelvis" } },
      { "KNEE", { "72696002", "SCT", "Knee" } },
      { "CSPINE", { "122494005", "SCT", "Cervical spine" } },
      { "TSPINE", { "122495006", "SCT", "Thoracic spine" } },
      { "LSPINE", { "122496007", "SCT", "Lumbar spine" } }
    };

    const CodedConcept& GetRegion(const SeriesPlan& plan)
    {
      std::string examined;
      if (plan.GetOptions().sidecar.Lookup(examined, DCM_BodyPartExamined))
      {
        for (const BodyPart& part : BODY_PARTS)
        {
          if (examined == part.examined)
          {
            return part.region;
          }
        }
      }
      return Codes::EntireBody();
    }
  }


  void WriteFrameAnatomy(DcmItem& shared, const SeriesPlan& plan)
  {
    DcmItem& anatomy = DicomWriter::AppendItem(shared, DCM_FrameAnatomySequence);
    DicomWriter::Put(anatomy, DCM_FrameLaterality, "U");
    DicomWriter::AddCode(anatomy, DCM_AnatomicRegionSequence, GetRegion(plan));
  }
}
