#pragma once

namespace NiftiToDicom
{
  // The one information object definition a series is built as: each value
  // has one class in Sources/Iod/, chosen by IInstanceFactory::Create()
  enum class IodType
  {
    MrImage,                     // classic, one instance per slice and time point (PS3.3 A.4)
    CtImage,                     // classic, one instance per slice and time point (PS3.3 A.3)
    EnhancedMrImage,             // one multi-frame instance, 16-bit as classic (PS3.3 A.36.2)
    EnhancedMrColorImage,        // one multi-frame instance, for RGB24 data (PS3.3 A.36.4)
    ParametricMap,               // one multi-frame instance, float pixels (PS3.3 A.75)
    Segmentation,                // one binary Segmentation instance, a segment per label (PS3.3 A.51)
    TrueColorSecondaryCapture,   // one multi-frame instance, colours without geometry (PS3.3 A.8.5), on request
    RtStructureSet               // one RT Structure Set, contours of each label on the reference's slices (PS3.3 A.19)
  };

  // The modality of the new series, where the IOD leaves a choice (classic
  // images and Parametric Map follow the parent study or reference series)
  enum class Modality
  {
    MR,
    CT
  };

  inline bool IsClassicImage(IodType iod)
  {
    return iod == IodType::MrImage || iod == IodType::CtImage;
  }

  inline bool IsEnhancedMr(IodType iod)
  {
    return iod == IodType::EnhancedMrImage || iod == IodType::EnhancedMrColorImage;
  }

  inline IodType GetClassicImageIod(Modality modality)
  {
    return modality == Modality::CT ? IodType::CtImage : IodType::MrImage;
  }

  inline const char* GetModalityName(Modality modality)
  {
    return modality == Modality::CT ? "CT" : "MR";
  }
}
