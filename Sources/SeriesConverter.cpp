#include "SeriesConverter.h"

#include "ClassicImageIod.h"

namespace NiftiToDicom
{
  ConversionSummary SeriesConverter::Convert(const NiftiVolume& volume, const ParentStudyTags& parent,
                                             SeriesOptions&& options, IInstanceSink& sink)
  {
    const std::unique_ptr<ClassicImageIod> iod = ClassicImageIod::Create(options.sopClass);
    const SeriesPlan plan(volume, parent, std::move(options));

    std::string file, pixels;
    const int64_t count = plan.GetInstanceCount();
    int64_t index = 0;
    for (int64_t t = 0; t < plan.GetTimePointCount(); t++)
    {
      for (int64_t k = 0; k < plan.GetSliceCount(); k++)
      {
        iod->BuildInstance(file, pixels, plan, k, t);
        sink.Store(file, index, count);
        index++;
      }
    }

    ConversionSummary summary;
    summary.seriesInstanceUid = plan.GetSeriesInstanceUid();
    summary.instancesCount = count;
    summary.warnings = plan.GetWarnings();
    return summary;
  }
}
