#include "Common/ConversionError.h"

#include <cerrno>

namespace NiftiToDicom
{
  ConversionError::ConversionError(ErrorKind kind, const std::string& message) :
    std::runtime_error(message),
    kind_(kind)
  {
  }

  ErrorKind ConversionError::ParseKind(const std::string& name)
  {
    for (ErrorKind kind : { ErrorKind::InvalidInput, ErrorKind::Unsupported, ErrorKind::TooLarge,
                            ErrorKind::UnknownResource, ErrorKind::Forbidden, ErrorKind::Conflict,
                            ErrorKind::Unavailable, ErrorKind::InsufficientStorage })
    {
      if (name == KindName(kind))
      {
        return kind;
      }
    }
    return ErrorKind::Internal;
  }


  const char* ConversionError::KindName(ErrorKind kind)
  {
    switch (kind)
    {
      case ErrorKind::InvalidInput:
        return "InvalidInput";
      case ErrorKind::Unsupported:
        return "Unsupported";
      case ErrorKind::TooLarge:
        return "TooLarge";
      case ErrorKind::UnknownResource:
        return "UnknownResource";
      case ErrorKind::Forbidden:
        return "Forbidden";
      case ErrorKind::Conflict:
        return "Conflict";
      case ErrorKind::Unavailable:
        return "Unavailable";
      case ErrorKind::InsufficientStorage:
        return "InsufficientStorage";
      default:
        return "Internal";
    }
  }


  ErrorKind ConversionError::KindOfWriteError(int error)
  {
    return (error == ENOSPC || error == EDQUOT) ? ErrorKind::InsufficientStorage : ErrorKind::Internal;
  }
}
