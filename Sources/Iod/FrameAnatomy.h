#pragma once

#include "Plan/SeriesPlan.h"

class DcmItem;

namespace NiftiToDicom
{
  // Frame Anatomy functional group (PS3.3 C.7.6.16.2.8) in the shared
  // groups. The NIfTI says nothing of laterality ("U", unknown); the
  // anatomic region is the sidecar's BodyPartExamined where CID 4031 has a
  // code for it, else the whole body, the honest value for a region nobody
  // named.
  void WriteFrameAnatomy(DcmItem& shared, const SeriesPlan& plan);
}
