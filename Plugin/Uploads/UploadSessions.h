#pragma once

#include <json/value.h>

#include <cstdint>
#include <string>
#include <vector>

namespace NiftiToDicomPlugin
{
  class NodeRegistry;
  class UploadDirectory;

  // Uploads in parts: a client declares a file's size, sends its bytes as a
  // sequence of bounded parts (each at the offset of the bytes received so
  // far), and finishes; the session then becomes an upload with the same ID.
  // Everything lives in "<upload folder>/sessions" (the description
  // "<id>.json", the bytes "<id>.bytes", "<id>.lock" while a request
  // changes them), so that any node sharing the folder serves any part, and
  // a client cut off resumes from the bytes received. A session expires
  // UploadExpiration seconds after its last part.
  class UploadSessions
  {
  private:
    std::string           path_;
    UploadDirectory&      uploads_;
    const NodeRegistry&   nodes_;
    unsigned int          expiration_;   // seconds
    uint64_t              maxBytes_;
    unsigned int          maxSessions_;   // under way at once, all nodes together

    std::string GetStatePath(const std::string& id) const;

    std::string GetBytesPath(const std::string& id) const;

    std::string GetLockPath(const std::string& id) const;

    // False if no such session, or it expired (and was removed)
    bool ReadState(Json::Value& state, uint64_t& received, time_t& lastActivity, const std::string& id);

    // The state, or ConversionError(UnknownResource)
    Json::Value LoadState(uint64_t& received, const std::string& id);

    Json::Value Format(const Json::Value& state, uint64_t received, time_t lastActivity) const;

    void RemoveFiles(const std::string& id);

  public:
    UploadSessions(const std::string& path, UploadDirectory& uploads, const NodeRegistry& nodes,
                   unsigned int expirationSeconds, uint64_t maxBytes, unsigned int maxSessions);

    UploadSessions(const UploadSessions&) = delete;
    UploadSessions& operator=(const UploadSessions&) = delete;

    // "sha256" may be empty; answers the description (see Describe)
    Json::Value Create(uint64_t size, const std::string& filename, const std::string& sha256);

    // ID, Path, Size, Received (the offset of the next part), Filename,
    // SHA256 (if declared), Expires. Throws ConversionError(UnknownResource).
    Json::Value Describe(const std::string& id);

    // Writes "size" bytes at "offset", checked against "sha256" (the
    // part's). A part already received is accepted again if its bytes are
    // identical. Throws ConversionError: InvalidInput (checksum, beyond the
    // declared size), Conflict (a gap, different bytes, a request on the
    // same session under way), UnknownResource.
    Json::Value AppendPart(const std::string& id, uint64_t offset, const void* data, size_t size,
                           const std::string& sha256);

    // Checks the size and the SHA-256 of the whole file (the one given here,
    // else the one declared at creation), classifies it and makes it the
    // upload "id". Finishing a session already finished answers its upload.
    void Finish(const std::string& id, const std::string& sha256);

    bool Delete(const std::string& id);

    std::vector<std::string> List();

    // Removes the expired sessions (never one that a live node is changing)
    void PurgeExpired();
  };
}
