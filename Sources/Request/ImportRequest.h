#pragma once

#include "Metadata/BidsSidecar.h"
#include "Metadata/TagOverrides.h"
#include "Request/OutputRequest.h"
#include "Request/SendTo.h"

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

  // The body of POST /nifti/import, validated. The NIfTI bytes are decoded
  // from base64 once, here, and then moved along (never copied). The plugin
  // then completes it (the study's Orthanc ID, the files behind upload IDs,
  // the default destinations) and hands this one value to the import job,
  // which saves it with ToJson().
  struct ImportRequest
  {
    NiftiSource               source = NiftiSource::Inline;
    std::string               nifti;             // Inline: .nii or .nii.gz bytes
    std::string               upload;            // Upload: its ID
    std::string               path;              // Path: as given (the plugin makes it canonical)
    std::string               parentStudy;       // Orthanc ID or StudyInstanceUID (the plugin resolves it)
    std::string               seriesDescription; // may be empty
    std::string               filename;          // may be empty
    OutputModality            modality = OutputModality::Auto;
    TagOverrides              tags;
    Json::Value               tagsJson;          // "Tags" as sent, for ToJson()
    OutputRequest             output;            // "Type" and its options, checked
    Json::Value               outputJson;        // the same fields as sent, for ToJson()
    std::string               referenceSeries;   // Orthanc ID of the source series, or empty
    std::string               bval;              // FSL bval: the text, or an upload ID (the plugin reads it)
    std::string               bvec;              // FSL bvec: the text, or an upload ID (the plugin reads it)
    BidsSidecar               sidecar;           // parsed once, from sidecarJson
    Json::Value               sidecarJson;       // object, or null
    std::string               sidecarUpload;     // upload ID of the sidecar (the plugin reads it), or empty
    std::string               sidecarText;       // the sidecar as the client sent it, or empty
    bool                      keepSidecar = true; // "KeepSidecar": a private copy of the sidecar in every instance
    bool                      hasSendTo = false;
    SendTo                    sendTo;            // without "SendTo": the plugin's DefaultSendTo
    bool                      asynchronous = false;
    int                       priority = 0;
    std::vector<std::string>  warnings;

    // Throws ConversionError: InvalidInput for malformed bodies, TooLarge when
    // the decoded file would exceed maxNiftiBytes.
    static ImportRequest Parse(const void* body, size_t size, size_t maxNiftiBytes);

    // "sidecar": a JSON object or null, "text" its JSON as the client sent
    // it (empty: written from "sidecar"); throws ConversionError(InvalidInput)
    // as BidsSidecar::Parse() does. The text is kept verbatim unless
    // keepSidecar is false.
    void SetSidecar(const Json::Value& sidecar, const std::string& text);

    // The configuration's "KeepSidecar": false turns the private copy off
    // whatever the request says
    void ApplyKeepSidecarOption(bool configured);

    // What an import needs to run again (saved jobs): the fields once
    // completed by the plugin, without the inline bytes, the flags of the
    // HTTP request and the warnings. The keys are those of the saved jobs
    // of earlier versions, which FromJson() must still read.
    Json::Value ToJson() const;

    // Throws ConversionError(InvalidInput) for values ToJson() cannot write
    static ImportRequest FromJson(const Json::Value& json);
  };
}
