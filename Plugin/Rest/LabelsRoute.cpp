#include "Rest/LabelsRoute.h"

#include "Rest/HttpAnswers.h"
#include "Rest/ImportRoute.h"
#include "Orthanc/OrthancContext.h"
#include "Uploads/UploadStore.h"

#include "Common/ClientJson.h"
#include "Common/ConversionError.h"
#include "Metadata/LabelTable.h"

namespace NiftiToDicomPlugin
{
  using namespace NiftiToDicom;

  const char* const LabelsRoute::URI = "/nifti/labels";


  std::string LabelsRoute::ReadUpload(const std::string& id)
  {
    UploadStore::Get().Describe(id);   // UnknownResource when gone
    return UploadStore::Get().ReadContent(id, LabelTable::MAX_TEXT_BYTES, "a label table");
  }


  void LabelsRoute::CheckCount(size_t labels)
  {
    const int64_t maximum = ImportRoute::GetConfiguration().GetSeriesLimits().maximumSegments;
    if (static_cast<int64_t>(labels) > maximum)
    {
      throw ConversionError(ErrorKind::TooLarge, "\"Labels\": the table has " + std::to_string(labels) +
                            " labels, more than the " + std::to_string(maximum) + " segments a segmentation may "
                            "have (configuration option MaximumSegments); give only the labels of this map");
    }
  }


  void LabelsRoute::Handle(OrthancPluginRestOutput* output, const char* url, const OrthancPluginHttpRequest* request)
  {
    if (request->method != OrthancPluginHttpMethod_Post)
    {
      OrthancPluginSendMethodNotAllowed(OrthancContext::Get(), output, "POST");
      return;
    }

    // The table's text, escaped in JSON: at most about twice its size
    if (request->bodySize > 2 * LabelTable::MAX_TEXT_BYTES + 1024)
    {
      throw ConversionError(ErrorKind::TooLarge, "The request is larger than a label table may be (" +
                            std::to_string(LabelTable::MAX_TEXT_BYTES / (1024 * 1024)) + " MB)");
    }
    Json::Value body;
    std::string error;
    const char* text = reinterpret_cast<const char*>(request->body);
    if (!ClientJson::Parse(body, error, text, text + request->bodySize, "The request body"))
    {
      throw ConversionError(ErrorKind::InvalidInput, error);
    }
    if (!body.isObject() || !body.isMember("Labels"))
    {
      throw ConversionError(ErrorKind::InvalidInput, "Send {\"Labels\": ...} as in POST /nifti/import: a JSON object, "
                            "\"FreeSurfer\", the text of a label table or the ID of an upload holding one");
    }

    const Json::Value& labels = body["Labels"];
    LabelTable table = (labels.isString() && LabelTable::IsUploadId(labels.asString())) ?
      LabelTable::ParseText(ReadUpload(labels.asString())) : LabelTable::Parse(labels);
    CheckCount(table.labels.size());
    HttpAnswers::AnswerJson(output, table.ToJson());
  }
}
