#pragma once

#include "Uploads/UploadDirectory.h"
#include "Uploads/UploadHolds.h"
#include "Uploads/UploadSessions.h"
#include "Uploads/UploadWriter.h"

#include <json/value.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace NiftiToDicomPlugin
{
  class NodeRegistry;

  // Files sent to POST /nifti/uploads, kept on disk (so that saved jobs find
  // them after a restart, and so that every node sharing the directory can
  // import them) until they expire or are deleted. An upload that a job of
  // any live node holds never expires and cannot be deleted.
  class UploadStore
  {
  private:
    const NodeRegistry&         nodes_;
    UploadDirectory             directory_;
    UploadHolds                 holds_;
    UploadSessions              sessions_;
    unsigned int                expiration_;     // seconds
    uint64_t                    maxBytes_;

  public:
    UploadStore(const std::string& directory, const NodeRegistry& nodes, unsigned int expirationSeconds,
                uint64_t maxBytes, unsigned int maxSessions);

    // Held by an import job of this node or of another live one
    bool IsInUse(const std::string& id);

    UploadStore(const UploadStore&) = delete;
    UploadStore& operator=(const UploadStore&) = delete;

    unsigned int GetExpiration() const
    {
      return expiration_;
    }

    uint64_t GetMaximumBytes() const
    {
      return maxBytes_;
    }

    std::unique_ptr<UploadWriter> StartUpload();

    // Uploads in parts; a finished session is an upload of this store
    UploadSessions& GetSessions()
    {
      return sessions_;
    }

    // For an asynchronous import given as base64: the job works from a file
    std::string CreateFromMemory(const std::string& bytes, const std::string& filename);

    // The description answered to clients: ID, Path, Size, Filename, Type,
    // Expires, InUse, Header (NIfTI). False if no such upload (or it expired).
    bool GetInfo(Json::Value& info, const std::string& id);

    // GetInfo(), or ConversionError(UnknownResource) saying the upload is gone
    Json::Value Describe(const std::string& id);

    // Path of the bytes of an upload; throws ConversionError(UnknownResource)
    std::string LocateData(const std::string& id);

    // The bytes of a small upload ("purpose": e.g. "a bval file"): InvalidInput beyond maxBytes
    std::string ReadContent(const std::string& id, size_t maxBytes, const std::string& purpose);

    bool Delete(const std::string& id);

    // The uploads that have not expired
    std::vector<std::string> List();

    // An upload in use by a job is never purged
    void Acquire(const std::string& id);
    void Release(const std::string& id);

    // Removes the expired uploads and upload sessions, and the partial uploads and holds of nodes that are gone
    void PurgeExpired();

    // The store of the running plugin (see PluginServices)
    static UploadStore& Get();
  };
}
