#pragma once

class DcmItem;

namespace NiftiToDicom
{
  // Frame Anatomy functional group (PS3.3 C.7.6.16.2.8) in the shared
  // groups: the NIfTI says nothing of laterality or region, so "unknown"
  // and the whole body are the honest values
  void WriteFrameAnatomy(DcmItem& shared);
}
