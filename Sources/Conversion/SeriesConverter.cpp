#include "Conversion/SeriesConverter.h"

#include "Iod/InstanceFactory.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

namespace NiftiToDicom
{
  namespace
  {
    // Before the plan, whose pixel encoder already reads every voxel
    std::unique_ptr<IInstanceFactory> CreateWithinLimits(const NiftiVolume& volume, const SeriesOptions& options)
    {
      if (IsClassicImage(options.iod))
      {
        options.limits.CheckInstances(volume.GetDepth(), volume.GetTimePoints());
      }
      else if (options.iod != IodType::Segmentation)   // its frames are known after a scan of the labels
      {
        // Cannot overflow: the volume holds that many slices
        options.limits.CheckFrames(volume.GetDepth() * volume.GetTimePoints());
      }
      return IInstanceFactory::Create(options);
    }


    class ParallelWriter
    {
    private:
      const IInstanceFactory& iod_;
      const SeriesPlan&       plan_;
      IInstanceSink&          sink_;
      std::atomic<int64_t>    next_;
      const int64_t           end_;
      std::atomic<bool>       failed_;
      std::mutex              errorMutex_;
      std::exception_ptr      error_;

    public:
      ParallelWriter(const IInstanceFactory& iod, const SeriesPlan& plan, IInstanceSink& sink,
                     int64_t begin, int64_t end) :
        iod_(iod),
        plan_(plan),
        sink_(sink),
        next_(begin),
        end_(end),
        failed_(false)
      {
      }

      // Body of each thread: claims instances until none is left
      void Work()
      {
        std::string file, pixels;
        const int64_t count = iod_.GetInstanceCount(plan_);
        try
        {
          for (;;)
          {
            const int64_t index = next_++;
            if (index >= end_ || failed_)
            {
              return;
            }
            iod_.BuildInstance(file, pixels, plan_, index);
            sink_.Store(file, index, count);
          }
        }
        catch (...)
        {
          std::lock_guard<std::mutex> lock(errorMutex_);
          if (!error_)
          {
            error_ = std::current_exception();
          }
          failed_ = true;
        }
      }

      void RethrowIfFailed()
      {
        if (error_)
        {
          std::rethrow_exception(error_);
        }
      }
    };
  }


  SeriesConverter::SeriesConverter(const NiftiVolume& volume, const ParentStudyTags& parent,
                                   SeriesOptions&& options) :
    iod_(CreateWithinLimits(volume, options)),
    plan_(volume, parent, std::move(options)),
    next_(0),
    count_(iod_->GetInstanceCount(plan_))
  {
  }


  SeriesConverter::~SeriesConverter()
  {
  }


  void SeriesConverter::WriteNext(IInstanceSink& sink, int64_t maxInstances, unsigned int threads)
  {
    const int64_t begin = next_;
    const int64_t end = std::min(GetInstanceCount(), begin + std::max<int64_t>(1, maxInstances));
    if (begin >= end)
    {
      return;
    }

    ParallelWriter writer(*iod_, plan_, sink, begin, end);
    const int64_t workers = iod_->IsBuiltOneAtATime(plan_) ? 1 :
      std::max<int64_t>(1, std::min<int64_t>(threads, end - begin));
    if (workers == 1)
    {
      writer.Work();
    }
    else
    {
      std::vector<std::thread> pool;
      for (int64_t i = 0; i < workers; i++)
      {
        pool.emplace_back(&ParallelWriter::Work, &writer);
      }
      for (std::thread& thread : pool)
      {
        thread.join();
      }
    }
    writer.RethrowIfFailed();
    next_ = end;
  }


  ConversionSummary SeriesConverter::GetSummary() const
  {
    ConversionSummary summary;
    summary.seriesInstanceUid = plan_.GetSeriesInstanceUid();
    summary.instancesCount = count_;
    summary.warnings = plan_.GetWarnings();
    return summary;
  }


  ConversionSummary SeriesConverter::Convert(const NiftiVolume& volume, const ParentStudyTags& parent,
                                             SeriesOptions&& options, IInstanceSink& sink, unsigned int threads)
  {
    SeriesConverter converter(volume, parent, std::move(options));
    converter.WriteNext(sink, converter.GetInstanceCount(), threads);
    return converter.GetSummary();
  }
}
