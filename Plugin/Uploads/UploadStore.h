#pragma once

#include <json/value.h>

#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace NiftiToDicomPlugin
{
  // Files sent to POST /nifti/uploads, kept on disk (so that saved jobs find
  // them after a restart) until they expire or are deleted. Each upload is
  // "<id>.data" (the bytes) beside "<id>.json" (what we know of it).
  class UploadStore
  {
  public:
    // Receives one upload chunk by chunk; removes its partial file unless
    // Finish() succeeded.
    class Writer
    {
    private:
      UploadStore&  store_;
      std::string   id_;
      std::string   partPath_;
      FILE*         file_;
      uint64_t      size_;
      bool          tooLarge_;
      bool          finished_;

    public:
      Writer(UploadStore& store, const std::string& id);
      ~Writer();

      Writer(const Writer&) = delete;
      Writer& operator=(const Writer&) = delete;

      // False once the upload exceeds the maximum size (further bytes are dropped)
      bool Append(const void* data, size_t size);

      bool IsTooLarge() const
      {
        return tooLarge_;
      }

      uint64_t GetSize() const
      {
        return size_;
      }

      // Classifies the file and makes it visible; throws ConversionError for
      // a NIfTI with an invalid header. Returns the description (GetInfo).
      Json::Value Finish(const std::string& filename);
    };

  private:
    std::string                 directory_;
    unsigned int                expiration_;     // seconds
    uint64_t                    maxBytes_;
    std::mutex                  mutex_;
    std::map<std::string, int>  inUse_;          // upload -> jobs using it
    std::thread                 purger_;
    std::condition_variable     stopSignal_;
    bool                        stopping_;

    std::string GetDataPath(const std::string& id) const;
    std::string GetInfoPath(const std::string& id) const;
    bool ReadInfo(Json::Value& info, const std::string& id) const;
    void PurgeLoop();

    static bool IsValidId(const std::string& id);

  public:
    UploadStore(const std::string& directory, unsigned int expirationSeconds, uint64_t maxBytes);
    ~UploadStore();

    std::unique_ptr<Writer> StartUpload();

    // For an asynchronous import given as base64: the job works from a file
    std::string CreateFromMemory(const std::string& bytes, const std::string& filename);

    // The description answered to clients: ID, Path, Size, Filename, Type,
    // Expires, Header (NIfTI). False if no such upload (or it expired).
    bool GetInfo(Json::Value& info, const std::string& id);

    // GetInfo(), or ConversionError(UnknownResource) saying the upload is gone
    Json::Value Describe(const std::string& id);

    // Path of the bytes of an upload; throws ConversionError(UnknownResource)
    std::string LocateData(const std::string& id);

    // The bytes of a small upload ("purpose": e.g. "a bval file"): InvalidInput beyond maxBytes
    std::string ReadContent(const std::string& id, size_t maxBytes, const std::string& purpose);

    bool Delete(const std::string& id);

    std::vector<std::string> List();

    // An upload in use by a job is never purged
    void Acquire(const std::string& id);
    void Release(const std::string& id);

    void PurgeExpired();

    void StartPurging();
    void StopPurging();

    // The process-wide store, set up by the plugin's initialisation
    static void Initialize(const std::string& directory, unsigned int expirationSeconds, uint64_t maxBytes);
    static void Finalize();
    static UploadStore& Get();
  };
}
