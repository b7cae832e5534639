#pragma once

#include "Common/ConversionError.h"

#include <json/value.h>

#include <ctime>
#include <string>
#include <vector>

namespace NiftiToDicomPlugin
{
  class NodeRegistry;

  // The files of the uploads on disk: "<id>.data" (the bytes) beside
  // "<id>.json" (what is known of them), and "<id>.<instance>.part" while
  // the bytes arrive at the Orthanc process "instance" (see NodeRegistry).
  // An ID is 32 lowercase hexadecimal digits, so that no request can name a
  // file outside the directory. The directory may be shared by several
  // Orthanc nodes: a partial file is only ever removed by its writer, or
  // once its writer is gone.
  class UploadDirectory
  {
  private:
    std::string path_;
    std::string owner_;   // this process's instance name, in its partial files

  public:
    // Creates the directory (readable by Orthanc's user only: uploads hold
    // patient data)
    UploadDirectory(const std::string& path, const std::string& owner);

    // The names of the entries of a directory (none if it cannot be read)
    static std::vector<std::string> ListFiles(const std::string& directory);

    // Removes the partial files of uploads cut short by a stop of the
    // Orthanc that received them (never those of a live node)
    void RemoveAbandonedParts(const NodeRegistry& nodes);

    const std::string& GetPath() const
    {
      return path_;
    }

    static std::string CreateId();

    // The "Expires" of uploads and upload sessions, as Orthanc writes times
    // (UTC, "20261129T101500")
    static std::string FormatTime(time_t t);

    static bool IsValidId(const std::string& id);

    // The error for a failed write of "path" in the upload folder, which only
    // the log names: 500, with "reason"
    static NiftiToDicom::ConversionError WriteFailure(const std::string& path, const std::string& reason);

    // The same from errno: 507 when the disk is full (the client can retry
    // once space is freed, and "then" says how), else 500
    static NiftiToDicom::ConversionError WriteFailure(const std::string& path, int error, const std::string& then);

    std::string GetDataPath(const std::string& id) const;

    std::string GetInfoPath(const std::string& id) const;

    std::string GetPartPath(const std::string& id) const;

    // The IDs of the uploads whose bytes are stored
    std::vector<std::string> ListIds() const;

    // False unless "id" names a complete upload
    bool ReadInfo(Json::Value& info, const std::string& id) const;

    // The bytes of an upload; false if they cannot be read
    bool ReadData(std::string& content, const std::string& id) const;

    // Makes a received upload visible: its description, then its bytes
    // (from "<id>.part"); throws ConversionError(Internal)
    void Publish(const std::string& id, const Json::Value& info);

    // The same, for bytes received elsewhere in the directory's file system
    // (an upload in parts)
    void Publish(const std::string& id, const Json::Value& info, const std::string& bytesPath);

    // False if there was no such upload
    bool Remove(const std::string& id);

    void RemovePart(const std::string& id);
  };
}
