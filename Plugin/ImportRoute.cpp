#include "ImportRoute.h"

#include "HttpAnswers.h"
#include "OrthancContext.h"
#include "OrthancSeriesStore.h"
#include "ParentStudyLookup.h"
#include "SeriesNumberAllocator.h"

#include "../Sources/ImportRequest.h"
#include "../Sources/NiftiVolume.h"
#include "../Sources/SeriesConverter.h"

#include <Logging.h>

#include <dcmtk/dcmdata/dcdeftag.h>

#include <cstdlib>
#include <malloc.h>
#include <memory>

namespace NiftiToDicomPlugin
{
  using namespace NiftiToDicom;

  const char* const ImportRoute::URI = "/nifti/import";

  namespace
  {
    PluginConfiguration configuration_;

    ClassicSopClass ChooseSopClass(OutputModality requested, const ParentStudy& parent)
    {
      switch (requested)
      {
        case OutputModality::CT:
          return ClassicSopClass::CTImage;
        case OutputModality::MR:
          return ClassicSopClass::MRImage;
        default:
          // Follow the parent: a CT exam gets a CT series, anything else MR
          return (parent.modalities.count("CT") > 0 && parent.modalities.count("MR") == 0) ?
            ClassicSopClass::CTImage : ClassicSopClass::MRImage;
      }
    }
  }


  void ImportRoute::Configure(const PluginConfiguration& configuration)
  {
    configuration_ = configuration;
  }


  void ImportRoute::Handle(OrthancPluginRestOutput* output, const char* url, const OrthancPluginHttpRequest* request)
  {
    if (request->method != OrthancPluginHttpMethod_Post)
    {
      OrthancPluginSendMethodNotAllowed(OrthancContext::Get(), output, "POST");
      return;
    }

    // Destroyed last, after the volume: hands the freed buffers back to the
    // system, or the allocator keeps each import's peak for good.
    struct MemoryReleaser
    {
      ~MemoryReleaser()
      {
        malloc_trim(0);
      }
    } releaser;

    ImportRequest importRequest = ImportRequest::Parse(request->body, request->bodySize,
                                                       configuration_.GetMaximumUploadBytes());
    const ParentStudy parent = ParentStudyLookup::Find(importRequest.parentStudy);

    const NiftiVolume volume(std::move(importRequest.nifti), configuration_.GetMaximumVolumeBytes());

    SeriesOptions options;
    options.sopClass = ChooseSopClass(importRequest.modality, parent);
    options.seriesDescription = importRequest.seriesDescription;
    options.sourceFilename = importRequest.filename;

    std::vector<std::string> warnings = importRequest.warnings;

    // A SeriesNumber given in "Tags" wins; otherwise reserve a free one
    std::unique_ptr<SeriesNumberReservation> reservation;
    std::string requestedNumber;
    if (importRequest.tags.Lookup(requestedNumber, DCM_SeriesNumber))
    {
      options.seriesNumber = atoi(requestedNumber.c_str());
      if (parent.seriesNumbers.count(options.seriesNumber) > 0)
      {
        warnings.push_back("SeriesNumber " + requestedNumber + " from \"Tags\" is already used by another "
                           "series of the study");
      }
    }
    else
    {
      reservation.reset(new SeriesNumberReservation(parent.orthancId));
      options.seriesNumber = reservation->GetNumber();
    }
    options.tags = std::move(importRequest.tags);

    LOG(INFO) << "NIfTI-to-DICOM: importing a " << volume.GetWidth() << "x" << volume.GetHeight() << "x"
              << volume.GetDepth() << "x" << volume.GetTimePoints() << " " << volume.GetHeader().GetDatatypeName()
              << " volume into study " << parent.orthancId << " as series number " << options.seriesNumber;

    OrthancSeriesStore store(parent.orthancId);
    const ConversionSummary summary = SeriesConverter::Convert(volume, parent.tags, std::move(options), store,
                                                               configuration_.GetConversionThreads());
    store.Commit();

    warnings.insert(warnings.end(), summary.warnings.begin(), summary.warnings.end());

    Json::Value answer(Json::objectValue);
    answer["ID"] = store.GetSeriesId();
    answer["Path"] = "/series/" + store.GetSeriesId();
    answer["SeriesInstanceUID"] = summary.seriesInstanceUid;
    answer["ParentStudy"] = parent.orthancId;
    answer["InstancesCount"] = static_cast<Json::Int64>(summary.instancesCount);
    answer["Warnings"] = Json::Value(Json::arrayValue);
    for (const std::string& warning : warnings)
    {
      answer["Warnings"].append(warning);
    }

    LOG(INFO) << "NIfTI-to-DICOM: stored series " << store.GetSeriesId() << " (" << summary.instancesCount
              << " instances, " << warnings.size() << " warnings)";
    HttpAnswers::AnswerJson(output, answer);
  }
}
