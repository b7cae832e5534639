#include "Uploads/UploadWriter.h"

#include "Uploads/UploadClassifier.h"
#include "Uploads/UploadDirectory.h"

#include "Common/ConversionError.h"

#include <Logging.h>
#include <SystemToolbox.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;

  namespace
  {
    // What a client whose upload failed on a full disk does (the destructor removes the partial file)
    const char* const NOTHING_KEPT = "then send the file again; nothing of this upload was kept";
  }


  UploadWriter::UploadWriter(UploadDirectory& directory, uint64_t maxBytes) :
    directory_(directory),
    maxBytes_(maxBytes),
    id_(UploadDirectory::CreateId()),
    partPath_(directory.GetPartPath(id_)),
    file_(nullptr),
    size_(0),
    tooLarge_(false),
    finished_(false)
  {
    file_ = Orthanc::SystemToolbox::OpenFile(partPath_, Orthanc::FileMode_WriteBinary);
    if (file_ == nullptr)
    {
      throw UploadDirectory::WriteFailure(partPath_, errno, NOTHING_KEPT);
    }
  }


  UploadWriter::~UploadWriter()
  {
    if (file_ != nullptr)
    {
      fclose(file_);
    }
    if (!finished_)
    {
      directory_.RemovePart(id_);
    }
  }


  bool UploadWriter::Append(const void* data, size_t size)
  {
    if (tooLarge_)
    {
      return false;
    }

    if (size_ + size > maxBytes_)
    {
      tooLarge_ = true;
      Discard();
      return false;
    }

    if (size > 0 && fwrite(data, 1, size, file_) != size)
    {
      const int error = errno;
      Discard();   // a full disk gets its room back at once
      throw UploadDirectory::WriteFailure(partPath_, error, NOTHING_KEPT);
    }
    size_ += size;
    return true;
  }


  void UploadWriter::Discard()
  {
    if (file_ != nullptr)
    {
      fclose(file_);
      file_ = nullptr;
    }
    directory_.RemovePart(id_);
  }


  std::string UploadWriter::Finish(const std::string& filename)
  {
    if (tooLarge_ || file_ == nullptr)
    {
      throw ConversionError(ErrorKind::Internal, "The upload cannot be finished");
    }

    Json::Value info(Json::objectValue);
    try
    {
      const int closed = fclose(file_);
      file_ = nullptr;
      if (closed != 0)
      {
        throw UploadDirectory::WriteFailure(partPath_, errno, NOTHING_KEPT);
      }
      if (size_ == 0)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "The upload is empty: send the file's bytes as the request body");
      }

      info["ID"] = id_;
      info["Size"] = static_cast<Json::UInt64>(size_);
      info["Filename"] = filename;
      info["Created"] = static_cast<Json::Int64>(time(nullptr));
      UploadClassifier::Classify(info, partPath_, size_);
      directory_.Publish(id_, info);
    }
    catch (...)
    {
      Discard();   // before the error is answered, which says that nothing was kept
      throw;
    }
    finished_ = true;

    LOG(INFO) << "NIfTI-to-DICOM: upload " << id_ << " stored (" << size_ << " bytes, " << info["Type"].asString() << ")";
    return id_;
  }
}
