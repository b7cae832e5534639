#pragma once

#include <stdexcept>
#include <string>

namespace NiftiToDicom
{
  // What went wrong, in the terms a client can act on. The plugin layer
  // turns each kind into an HTTP status; the core never speaks HTTP.
  enum class ErrorKind
  {
    InvalidInput,      // malformed request or file: fix the input
    Unsupported,       // a valid NIfTI this version cannot represent in DICOM
    TooLarge,          // exceeds a configured limit
    UnknownResource,   // the parent study (or another referenced resource) is absent
    Forbidden,         // refused by the configuration (e.g. a path outside the allowed directories)
    Conflict,          // the resource is in use elsewhere (e.g. an upload held by a job): try later
    Unavailable,       // a transient condition persisted (e.g. database conflicts between nodes): retry
    InsufficientStorage,  // a disk of the server is full: retry once space is freed
    Internal           // a bug or an Orthanc failure, not the client's fault
  };

  class ConversionError : public std::runtime_error
  {
  private:
    ErrorKind kind_;

  public:
    ConversionError(ErrorKind kind, const std::string& message);

    ErrorKind GetKind() const
    {
      return kind_;
    }

    static const char* KindName(ErrorKind kind);

    // The inverse of KindName(); Internal for an unknown name
    static ErrorKind ParseKind(const std::string& name);

    // The kind of a failed write, from its errno: a full disk or an exhausted
    // quota is InsufficientStorage (the client can retry once the
    // administrator frees space), anything else is Internal
    static ErrorKind KindOfWriteError(int error);
  };
}
