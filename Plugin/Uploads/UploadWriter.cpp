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
      // The path is for the administrator, not for the client
      const std::string reason = strerror(errno);
      LOG(ERROR) << "NIfTI-to-DICOM: cannot create the upload file " << partPath_ << ": " << reason;
      throw ConversionError(ErrorKind::Internal,
                            "Cannot write into the \"UploadDirectory\" of the NiftiToDicom configuration (" + reason +
                            "; the Orthanc log says where)");
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


  ConversionError UploadWriter::WriteFailure(int error) const
  {
    // The path is for the administrator, not for the client; the destructor removes what was written
    LOG(ERROR) << "NIfTI-to-DICOM: cannot write the upload file " << partPath_ << ": " << strerror(error);
    if (ConversionError::KindOfWriteError(error) == ErrorKind::InsufficientStorage)
    {
      return ConversionError(ErrorKind::InsufficientStorage,
                             std::string("The disk of Orthanc's upload folder is full (") + strerror(error) +
                             "): nothing of this upload was kept; ask the administrator to free space there "
                             "(NiftiToDicom.UploadDirectory), then send the file again");
    }
    return ConversionError(ErrorKind::Internal, std::string("Cannot write the upload to disk: ") + strerror(error));
  }


  bool UploadWriter::Append(const void* data, size_t size)
  {
    if (tooLarge_)
    {
      return false;
    }

    if (size_ + size > maxBytes_)
    {
      // Keep nothing of an upload that cannot be accepted
      tooLarge_ = true;
      fclose(file_);
      file_ = nullptr;
      directory_.RemovePart(id_);
      return false;
    }

    if (size > 0 && fwrite(data, 1, size, file_) != size)
    {
      throw WriteFailure(errno);
    }
    size_ += size;
    return true;
  }


  std::string UploadWriter::Finish(const std::string& filename)
  {
    if (tooLarge_ || file_ == nullptr)
    {
      throw ConversionError(ErrorKind::Internal, "The upload cannot be finished");
    }
    if (fclose(file_) != 0)
    {
      file_ = nullptr;
      throw WriteFailure(errno);
    }
    file_ = nullptr;

    if (size_ == 0)
    {
      throw ConversionError(ErrorKind::InvalidInput, "The upload is empty: send the file's bytes as the request body");
    }

    Json::Value info(Json::objectValue);
    info["ID"] = id_;
    info["Size"] = static_cast<Json::UInt64>(size_);
    info["Filename"] = filename;
    info["Created"] = static_cast<Json::Int64>(time(nullptr));
    UploadClassifier::Classify(info, partPath_, size_);

    directory_.Publish(id_, info);
    finished_ = true;

    LOG(INFO) << "NIfTI-to-DICOM: upload " << id_ << " stored (" << size_ << " bytes, " << info["Type"].asString() << ")";
    return id_;
  }
}
