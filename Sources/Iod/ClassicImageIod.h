#pragma once

#include "Iod/InstanceFactory.h"

#include <memory>
#include <string>

class DcmDataset;

namespace NiftiToDicom
{
  // Builds one single-frame instance of a "classic" image IOD (one slice of
  // one time point). The modules common to MR and CT are filled here; each
  // subclass adds its modality-specific module (PS3.3 C.8.3.1, C.8.2.1).
  class ClassicImageIod : public IInstanceFactory
  {
  protected:
    virtual void AddModalityModule(DcmDataset& dataset, const SeriesPlan& plan, int64_t t) const = 0;

  public:
    virtual ~ClassicImageIod()
    {
    }

    virtual const char* GetSopClassUid() const = 0;

    virtual const char* GetModality() const = 0;

    // One instance per slice and time point, time-major (InstanceNumber order)
    int64_t GetInstanceCount(const SeriesPlan& plan) const override;

    void BuildInstance(std::string& file, std::string& pixels, const SeriesPlan& plan, int64_t index) const override;

    // Writes the Part-10 file of slice k, time point t into "file".
    // "pixels" is scratch space reused from one call to the next.
    void BuildSlice(std::string& file, std::string& pixels, const SeriesPlan& plan, int64_t k, int64_t t) const;
  };


  class MrImageIod : public ClassicImageIod
  {
  protected:
    void AddModalityModule(DcmDataset& dataset, const SeriesPlan& plan, int64_t t) const override;

  public:
    const char* GetSopClassUid() const override;

    const char* GetModality() const override
    {
      return "MR";
    }
  };


  class CtImageIod : public ClassicImageIod
  {
  protected:
    void AddModalityModule(DcmDataset& dataset, const SeriesPlan& plan, int64_t t) const override;

  public:
    const char* GetSopClassUid() const override;

    const char* GetModality() const override
    {
      return "CT";
    }
  };
}
