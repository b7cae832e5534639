#pragma once

#include "Iod/FrameLayout.h"
#include "Plan/SeriesPlan.h"

#include <dcmtk/dcmdata/dctagkey.h>

class DcmDataset;
class DcmItem;

namespace NiftiToDicom
{
  // Where the acquisition attributes of the BIDS sidecar (BidsSidecar's
  // AttributeList, classic tags and units) go in a multi-frame image: the
  // top level, a functional group macro of the shared groups, or nowhere
  // (the IOD has no place for them; the classic IOD keeps them). One table
  // decides, so that a tag the sidecar learns to map lands in its place.
  namespace SidecarPlacement
  {
    enum class Family
    {
      EnhancedMr,      // Enhanced MR and Enhanced MR Color (PS3.3 A.36.2, A.36.4)
      NonMr            // Parametric Map (PS3.3 A.75), Segmentation (A.51): no MR functional groups
    };

    enum class Kind
    {
      TopLevel,        // "target" at the top level of the dataset
      Group,           // "target" in the item of the shared functional group "group"
      Derived,         // written by a rule of its own (see the .cpp), possibly as another attribute
      Dropped          // no place in this IOD, or decided by the request or the NIfTI
    };

    struct Placement
    {
      Kind       kind;
      DcmTagKey  group;    // Group: the functional group sequence, e.g. MRTimingAndRelatedParametersSequence
      DcmTagKey  target;   // TopLevel, Group: the attribute written (EchoTime becomes EffectiveEchoTime)
    };

    // Where "tag" of the sidecar goes. A tag that the table does not list
    // goes to the top level of an Enhanced MR image (a standard attribute a
    // reader finds there) and nowhere in the other IODs.
    Placement Find(Family family, const DcmTagKey& tag);

    // The sidecar's attributes of the top level, the MR Pulse Sequence
    // equivalents of its ScanningSequence and SequenceName, and
    // AcquisitionDateTime (the sidecar's time on its date, else on the
    // parent study's date)
    void WriteTopLevel(DcmDataset& dataset, const SeriesPlan& plan, Family family);

    // The MR functional groups (Timing and Related Parameters, Echo,
    // Modifier, FOV/Geometry, Imaging Modifier, Averages, Receive and
    // Transmit Coil) into the shared groups, each only if the sidecar fills
    // every attribute dciodvfy demands of it; the content of the others goes
    // to "topLevel" as the classic attributes. Nothing for NonMr.
    void WriteSharedGroups(DcmItem& shared, DcmItem& topLevel, const SeriesPlan& plan, Family family);

    // MR Diffusion (C.8.13.5.9) of the frame's volume, from bval/bvec
    void WriteDiffusion(DcmItem& perFrame, const SeriesPlan& plan, const Frame& frame);

    // Pixel Measures' SliceThickness: the sidecar's (slices may have gaps),
    // else the NIfTI's slice spacing
    double GetSliceThickness(const SeriesPlan& plan);
  }
}
