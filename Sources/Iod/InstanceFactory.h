#pragma once

#include "Plan/SeriesPlan.h"

#include <memory>
#include <string>

namespace NiftiToDicom
{
  // Builds the instances of one IOD from a series plan
  class IInstanceFactory
  {
  public:
    virtual ~IInstanceFactory()
    {
    }

    virtual int64_t GetInstanceCount(const SeriesPlan& plan) const = 0;

    // True when instances are so large (the pieces of a concatenation) that
    // building several at once would multiply the memory their bound keeps
    virtual bool IsBuiltOneAtATime(const SeriesPlan& plan) const
    {
      return false;
    }

    // "scratch" is reused from one call to the next by the same thread
    virtual void BuildInstance(std::string& file, std::string& scratch, const SeriesPlan& plan,
                               int64_t index) const = 0;

    // The class of Sources/Iod/ that builds "options.iod"
    static std::unique_ptr<IInstanceFactory> Create(const SeriesOptions& options);
  };
}
