#pragma once

#include "Request/OutputRequest.h"
#include "Metadata/TagOverrides.h"

#include <string>
#include <vector>

namespace NiftiToDicom
{
  enum class OutputModality
  {
    Auto,   // CT when the parent study is CT, else MR
    MR,
    CT
  };

  enum class NiftiSource
  {
    Inline,   // "Nifti": base64 in the body
    Upload,   // "Upload": ID of a file sent to /nifti/uploads
    Path      // "Path": a file on the server
  };

  // Destinations of the finished series
  struct SendTo
  {
    std::vector<std::string>  modalities;
    std::vector<std::string>  peers;

    bool IsEmpty() const
    {
      return modalities.empty() && peers.empty();
    }

    // {"Modalities": [...], "Peers": [...]}; throws ConversionError(InvalidInput)
    static SendTo Parse(const Json::Value& value, const std::string& where);

    Json::Value ToJson() const;
  };

  // The body of POST /nifti/import, validated. The NIfTI bytes are decoded
  // from base64 once, here, and then moved along (never copied).
  struct ImportRequest
  {
    NiftiSource               source = NiftiSource::Inline;
    std::string               nifti;             // Inline: .nii or .nii.gz bytes
    std::string               upload;            // Upload: its ID
    std::string               path;              // Path: as given
    std::string               parentStudy;       // Orthanc ID or StudyInstanceUID
    std::string               seriesDescription; // may be empty
    std::string               filename;          // may be empty
    OutputModality            modality = OutputModality::Auto;
    TagOverrides              tags;
    Json::Value               tagsJson;          // "Tags" as sent, to hand to a job
    OutputRequest             output;            // "Type" and its options, checked
    Json::Value               outputJson;        // the same fields as sent, to hand to a job
    std::string               referenceSeries;   // Orthanc ID of the source series, or empty
    std::string               bval;              // FSL bval: the text, or an upload ID
    std::string               bvec;              // FSL bvec: the text, or an upload ID
    Json::Value               sidecar;           // object, or null
    std::string               sidecarUpload;     // upload ID of the sidecar, or empty
    bool                      hasSendTo = false;
    SendTo                    sendTo;
    bool                      asynchronous = false;
    int                       priority = 0;
    std::vector<std::string>  warnings;

    // Throws ConversionError: InvalidInput for malformed bodies, TooLarge when
    // the decoded file would exceed maxNiftiBytes.
    static ImportRequest Parse(const void* body, size_t size, size_t maxNiftiBytes);
  };

  // Where the string value of one member of a top-level JSON object lies in
  // the raw text, and the text with that value blanked, to be parsed by an
  // ordinary JSON parser without copying the (large) value.
  class LargeStringMember
  {
  private:
    const char*  valueBegin_ = nullptr;
    const char*  valueEnd_ = nullptr;
    std::string  rest_;

  public:
    // False when the body is not a plain object with exactly one such string
    // member without escape sequences: the caller then parses it whole.
    static bool Find(LargeStringMember& target, const char* begin, const char* end, const std::string& key);

    // The characters of the value, without the quotes
    const char* GetValueBegin() const
    {
      return valueBegin_ + 1;
    }

    const char* GetValueEnd() const
    {
      return valueEnd_ - 1;
    }

    const std::string& GetRest() const
    {
      return rest_;
    }
  };

  class Base64
  {
  public:
    // Strict decoder that tolerates line breaks and spaces (as written by
    // "base64" without -w0). Returns false on any other character or on bad
    // padding.
    static bool Decode(std::string& target, const char* begin, const char* end);

    // Number of bytes Decode() would produce, ignoring whitespace: an upper bound
    static size_t DecodedSizeBound(size_t encodedLength);
  };
}
