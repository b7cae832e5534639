#include "Iod/InstanceFactory.h"

#include "Iod/ClassicImageIod.h"
#include "Iod/EnhancedMrColorImageIod.h"
#include "Iod/EnhancedMrImageIod.h"
#include "Iod/ParametricMapIod.h"
#include "Iod/RtStructureSetIod.h"
#include "Iod/SegmentationIod.h"
#include "Iod/TrueColorSecondaryCaptureIod.h"

#include <stdexcept>

namespace NiftiToDicom
{
  std::unique_ptr<IInstanceFactory> IInstanceFactory::Create(const SeriesOptions& options)
  {
    switch (options.iod)
    {
      case IodType::MrImage:
        return std::unique_ptr<IInstanceFactory>(new MrImageIod);
      case IodType::CtImage:
        return std::unique_ptr<IInstanceFactory>(new CtImageIod);
      case IodType::EnhancedMrImage:
        return std::unique_ptr<IInstanceFactory>(new EnhancedMrImageIod);
      case IodType::EnhancedMrColorImage:
        return std::unique_ptr<IInstanceFactory>(new EnhancedMrColorImageIod);
      case IodType::ParametricMap:
        return std::unique_ptr<IInstanceFactory>(new ParametricMapIod);
      case IodType::Segmentation:
        return std::unique_ptr<IInstanceFactory>(new SegmentationIod);
      case IodType::TrueColorSecondaryCapture:
        return std::unique_ptr<IInstanceFactory>(new TrueColorSecondaryCaptureIod);
      case IodType::RtStructureSet:
        return std::unique_ptr<IInstanceFactory>(new RtStructureSetIod);
    }
    throw std::logic_error("Unknown IodType");
  }
}
