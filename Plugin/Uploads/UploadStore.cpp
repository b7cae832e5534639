#include "Uploads/UploadStore.h"

#include "Common/ConversionError.h"
#include "Nifti/GzipInflater.h"
#include "Nifti/NiftiHeader.h"
#include "Nifti/NiftiSummary.h"

#include <Logging.h>
#include <Toolbox.h>

#include <json/writer.h>

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;

  namespace
  {
    std::unique_ptr<UploadStore> store_;

    const size_t MAX_JSON_SIDECAR = 16 * 1024 * 1024;

    std::string GenerateId()
    {
      std::random_device device;
      static const char HEX[] = "0123456789abcdef";
      std::string id;
      for (int i = 0; i < 4; i++)
      {
        uint32_t r = device();
        for (int j = 0; j < 8; j++)
        {
          id.push_back(HEX[r & 0xf]);
          r >>= 4;
        }
      }
      return id;
    }

    void MakeDirectories(const std::string& path)
    {
      std::string partial;
      std::stringstream stream(path);
      std::string part;
      if (!path.empty() && path[0] == '/')
      {
        partial = "/";
      }
      while (std::getline(stream, part, '/'))
      {
        if (part.empty())
        {
          continue;
        }
        partial += part + "/";
        if (mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
        {
          throw std::runtime_error("Cannot create the upload directory " + path + ": " + strerror(errno));
        }
      }
    }

    std::string FormatTime(time_t t)
    {
      std::tm utc;
      gmtime_r(&t, &utc);
      char buffer[32];
      strftime(buffer, sizeof(buffer), "%Y%m%dT%H%M%S", &utc);
      return buffer;
    }

    bool WriteJsonFile(const std::string& path, const Json::Value& value)
    {
      Json::StreamWriterBuilder builder;
      const std::string text = Json::writeString(builder, value);
      const std::string temporary = path + ".tmp";
      {
        std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
        file << text;
        if (!file.good())
        {
          return false;
        }
      }
      return rename(temporary.c_str(), path.c_str()) == 0;
    }

    bool ParseJson(Json::Value& target, const std::string& text)
    {
      return Orthanc::Toolbox::ReadJson(target, text);
    }

    bool ReadTextFile(std::string& target, const std::string& path)
    {
      std::ifstream file(path, std::ios::binary);
      if (!file.good())
      {
        return false;
      }
      std::stringstream content;
      content << file.rdbuf();
      target = content.str();
      return true;
    }

    // The first bytes of a file, inflated if it is gzip
    std::string ReadStart(const std::string& path, size_t count)
    {
      std::string start(count, '\0');
      gzFile file = gzopen(path.c_str(), "rb");
      if (file == nullptr)
      {
        return "";
      }
      const int read = gzread(file, &start[0], static_cast<unsigned int>(count));
      gzclose(file);
      start.resize(read > 0 ? static_cast<size_t>(read) : 0);
      return start;
    }

    bool LooksLikeNifti(const std::string& start)
    {
      if (start.size() < 4)
      {
        return false;
      }
      int32_t sizeofHdr;
      memcpy(&sizeofHdr, start.data(), 4);
      const uint32_t swapped = __builtin_bswap32(static_cast<uint32_t>(sizeofHdr));
      return sizeofHdr == 348 || sizeofHdr == 540 || swapped == 348 || swapped == 540;
    }

    bool IsGzipFile(const std::string& path)
    {
      std::ifstream file(path, std::ios::binary);
      char magic[2] = { 0, 0 };
      file.read(magic, 2);
      return NiftiToDicom::GzipInflater::IsGzip(magic, static_cast<size_t>(file.gcount()));
    }
  }


  UploadStore::Writer::Writer(UploadStore& store, const std::string& id) :
    store_(store),
    id_(id),
    partPath_(store.directory_ + "/" + id + ".part"),
    file_(nullptr),
    size_(0),
    tooLarge_(false),
    finished_(false)
  {
    file_ = fopen(partPath_.c_str(), "wb");
    if (file_ == nullptr)
    {
      throw ConversionError(ErrorKind::Internal,
                            "Cannot write into the upload directory " + store.directory_ + ": " + strerror(errno));
    }
  }


  UploadStore::Writer::~Writer()
  {
    if (file_ != nullptr)
    {
      fclose(file_);
    }
    if (!finished_)
    {
      unlink(partPath_.c_str());
    }
  }


  bool UploadStore::Writer::Append(const void* data, size_t size)
  {
    if (tooLarge_)
    {
      return false;
    }

    if (size_ + size > store_.maxBytes_)
    {
      // Keep nothing of an upload that cannot be accepted
      tooLarge_ = true;
      fclose(file_);
      file_ = nullptr;
      unlink(partPath_.c_str());
      return false;
    }

    if (size > 0 && fwrite(data, 1, size, file_) != size)
    {
      throw ConversionError(ErrorKind::Internal, std::string("Cannot write the upload to disk: ") + strerror(errno));
    }
    size_ += size;
    return true;
  }


  Json::Value UploadStore::Writer::Finish(const std::string& filename)
  {
    if (tooLarge_ || file_ == nullptr)
    {
      throw ConversionError(ErrorKind::Internal, "The upload cannot be finished");
    }
    if (fclose(file_) != 0)
    {
      file_ = nullptr;
      throw ConversionError(ErrorKind::Internal, std::string("Cannot write the upload to disk: ") + strerror(errno));
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

    const std::string start = ReadStart(partPath_, 1024);
    if (LooksLikeNifti(start))
    {
      // Refuse now what the import would refuse later
      const NiftiToDicom::NiftiHeader header = NiftiToDicom::NiftiHeader::ParseHeaderOnly(start.data(), start.size());
      if (!IsGzipFile(partPath_) && static_cast<uint64_t>(header.voxOffset) + header.GetVoxelBytes() > size_)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "The uploaded NIfTI file is truncated: its header announces " +
                              std::to_string(header.GetVoxelBytes()) + " bytes of voxel data from offset " +
                              std::to_string(header.voxOffset) + ", but the file has " + std::to_string(size_) +
                              " bytes; upload the complete file");
      }
      info["Type"] = "NIfTI";
      info["Header"] = NiftiToDicom::NiftiSummary::Describe(header);
    }
    else
    {
      Json::Value json;
      std::string text;
      if (size_ <= MAX_JSON_SIDECAR && ReadTextFile(text, partPath_) && ParseJson(json, text) && json.isObject())
      {
        info["Type"] = "JSON";
      }
      else
      {
        info["Type"] = "Other";
      }
    }

    if (!WriteJsonFile(store_.GetInfoPath(id_), info) ||
        rename(partPath_.c_str(), store_.GetDataPath(id_).c_str()) != 0)
    {
      unlink(store_.GetInfoPath(id_).c_str());
      throw ConversionError(ErrorKind::Internal, std::string("Cannot store the upload: ") + strerror(errno));
    }
    finished_ = true;

    LOG(INFO) << "NIfTI-to-DICOM: upload " << id_ << " stored (" << size_ << " bytes, " << info["Type"].asString() << ")";

    Json::Value answer;
    store_.GetInfo(answer, id_);
    return answer;
  }


  UploadStore::UploadStore(const std::string& directory, unsigned int expirationSeconds, uint64_t maxBytes) :
    directory_(directory),
    expiration_(expirationSeconds),
    maxBytes_(maxBytes),
    stopping_(false)
  {
    MakeDirectories(directory_);

    // Partial files of uploads cut short by a stop of Orthanc
    DIR* dir = opendir(directory_.c_str());
    if (dir != nullptr)
    {
      while (struct dirent* entry = readdir(dir))
      {
        const std::string name = entry->d_name;
        if (name.size() > 5 && name.compare(name.size() - 5, 5, ".part") == 0)
        {
          unlink((directory_ + "/" + name).c_str());
        }
      }
      closedir(dir);
    }
  }


  UploadStore::~UploadStore()
  {
    StopPurging();
  }


  bool UploadStore::IsValidId(const std::string& id)
  {
    if (id.size() != 32)
    {
      return false;
    }
    for (char c : id)
    {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      {
        return false;
      }
    }
    return true;
  }


  std::string UploadStore::GetDataPath(const std::string& id) const
  {
    return directory_ + "/" + id + ".data";
  }


  std::string UploadStore::GetInfoPath(const std::string& id) const
  {
    return directory_ + "/" + id + ".json";
  }


  bool UploadStore::ReadInfo(Json::Value& info, const std::string& id) const
  {
    std::string text;
    return IsValidId(id) && ReadTextFile(text, GetInfoPath(id)) && ParseJson(info, text) && info.isObject() &&
      access(GetDataPath(id).c_str(), R_OK) == 0;
  }


  std::unique_ptr<UploadStore::Writer> UploadStore::StartUpload()
  {
    return std::unique_ptr<Writer>(new Writer(*this, GenerateId()));
  }


  std::string UploadStore::CreateFromMemory(const std::string& bytes, const std::string& filename)
  {
    std::unique_ptr<Writer> writer = StartUpload();
    if (!writer->Append(bytes.data(), bytes.size()))
    {
      throw ConversionError(ErrorKind::TooLarge, "The NIfTI file exceeds the maximum upload size");
    }
    const Json::Value info = writer->Finish(filename);
    return info["ID"].asString();
  }


  bool UploadStore::GetInfo(Json::Value& info, const std::string& id)
  {
    Json::Value stored;
    if (!ReadInfo(stored, id))
    {
      return false;
    }

    const time_t expires = static_cast<time_t>(stored["Created"].asInt64()) + expiration_;
    bool inUse;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      inUse = inUse_.count(id) > 0;
    }
    if (!inUse && time(nullptr) >= expires)
    {
      Delete(id);  // expired, the purge thread has not come by yet
      return false;
    }

    info = stored;
    info.removeMember("Created");
    info["Path"] = "/nifti/uploads/" + id;
    info["Expires"] = FormatTime(expires);
    info["InUse"] = inUse;
    return true;
  }


  Json::Value UploadStore::Describe(const std::string& id)
  {
    Json::Value info;
    if (!GetInfo(info, id))
    {
      throw ConversionError(ErrorKind::UnknownResource,
                            "No upload \"" + id + "\": it was never made, was deleted, or expired "
                            "(uploads last NiftiToDicom.UploadExpiration seconds); upload the file again");
    }
    return info;
  }


  std::string UploadStore::LocateData(const std::string& id)
  {
    Describe(id);
    return GetDataPath(id);
  }


  std::string UploadStore::ReadContent(const std::string& id, size_t maxBytes, const std::string& purpose)
  {
    const Json::Value info = Describe(id);
    std::string content;
    if (info["Size"].asUInt64() > maxBytes || !ReadTextFile(content, GetDataPath(id)))
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "Upload \"" + id + "\" (" + std::to_string(info["Size"].asUInt64()) +
                            " bytes) is too large to be " + purpose + " (at most " + std::to_string(maxBytes) +
                            " bytes); check that the right file was uploaded");
    }
    return content;
  }


  bool UploadStore::Delete(const std::string& id)
  {
    if (!IsValidId(id))
    {
      return false;
    }
    const bool existed = (unlink(GetDataPath(id).c_str()) == 0);
    unlink(GetInfoPath(id).c_str());
    return existed;
  }


  std::vector<std::string> UploadStore::List()
  {
    std::vector<std::string> ids;
    DIR* dir = opendir(directory_.c_str());
    if (dir == nullptr)
    {
      return ids;
    }
    while (struct dirent* entry = readdir(dir))
    {
      const std::string name = entry->d_name;
      if (name.size() == 32 + 5 && name.compare(32, 5, ".data") == 0)
      {
        ids.push_back(name.substr(0, 32));
      }
    }
    closedir(dir);

    std::vector<std::string> alive;
    for (const std::string& id : ids)
    {
      Json::Value info;
      if (GetInfo(info, id))
      {
        alive.push_back(id);
      }
    }
    return alive;
  }


  void UploadStore::Acquire(const std::string& id)
  {
    std::lock_guard<std::mutex> lock(mutex_);
    inUse_[id]++;
  }


  void UploadStore::Release(const std::string& id)
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = inUse_.find(id);
    if (found != inUse_.end() && --found->second <= 0)
    {
      inUse_.erase(found);
    }
  }


  void UploadStore::PurgeExpired()
  {
    List();  // GetInfo() deletes each expired upload it meets
  }


  void UploadStore::PurgeLoop()
  {
    const unsigned int interval = std::max(1u, std::min(60u, expiration_ / 2));
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_)
    {
      stopSignal_.wait_for(lock, std::chrono::seconds(interval));
      if (stopping_)
      {
        break;
      }
      lock.unlock();
      try
      {
        PurgeExpired();
      }
      catch (std::exception& e)
      {
        LOG(ERROR) << "NIfTI-to-DICOM: cannot purge expired uploads: " << e.what();
      }
      lock.lock();
    }
  }


  void UploadStore::StartPurging()
  {
    purger_ = std::thread(&UploadStore::PurgeLoop, this);
  }


  void UploadStore::StopPurging()
  {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    stopSignal_.notify_all();
    if (purger_.joinable())
    {
      purger_.join();
    }
  }


  void UploadStore::Initialize(const std::string& directory, unsigned int expirationSeconds, uint64_t maxBytes)
  {
    store_.reset(new UploadStore(directory, expirationSeconds, maxBytes));
  }


  void UploadStore::Finalize()
  {
    store_.reset();
  }


  UploadStore& UploadStore::Get()
  {
    if (!store_)
    {
      throw std::logic_error("The upload store is not initialised");
    }
    return *store_;
  }
}
