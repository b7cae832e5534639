#include "Uploads/UploadClassifier.h"

#include "Common/ClientJson.h"
#include "Common/ConversionError.h"
#include "Nifti/GzipInflater.h"
#include "Nifti/NiftiHeader.h"
#include "Nifti/NiftiSummary.h"

#include <OrthancException.h>
#include <SystemToolbox.h>
#include <Toolbox.h>

#include <zlib.h>

#include <cstring>

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;

  namespace
  {
    const size_t MAX_JSON_SIDECAR = 16 * 1024 * 1024;

    // The first bytes of a file, inflated if it is gzip (zlib reads plain
    // files as they are)
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
      std::string magic;
      try
      {
        Orthanc::SystemToolbox::ReadHeader(magic, path, 2);
      }
      catch (Orthanc::OrthancException&)
      {
        return false;
      }
      return NiftiToDicom::GzipInflater::IsGzip(magic.data(), magic.size());
    }

    bool IsJsonObject(const std::string& path, uint64_t size)
    {
      if (size > MAX_JSON_SIDECAR)
      {
        return false;
      }
      try
      {
        std::string text;
        Orthanc::SystemToolbox::ReadFile(text, path, false);
        // Read as every client JSON is: a document nested too deep is not
        // a sidecar, and must not reach a recursive parser
        Json::Value json;
        std::string error;
        return NiftiToDicom::ClientJson::Parse(json, error, text, "The upload") && json.isObject();
      }
      catch (Orthanc::OrthancException&)
      {
        return false;
      }
    }
  }


  void UploadClassifier::Classify(Json::Value& info, const std::string& path, uint64_t size)
  {
    const std::string start = ReadStart(path, 1024);
    if (LooksLikeNifti(start))
    {
      const NiftiToDicom::NiftiHeader header = NiftiToDicom::NiftiHeader::ParseHeaderOnly(start.data(), start.size());
      if (!IsGzipFile(path) && static_cast<uint64_t>(header.voxOffset) + header.GetVoxelBytes() > size)
      {
        throw ConversionError(ErrorKind::InvalidInput,
                              "The uploaded NIfTI file is truncated: its header announces " +
                              std::to_string(header.GetVoxelBytes()) + " bytes of voxel data from offset " +
                              std::to_string(header.voxOffset) + ", but the file has " + std::to_string(size) +
                              " bytes; upload the complete file");
      }
      info["Type"] = "NIfTI";
      info["Header"] = NiftiToDicom::NiftiSummary::Describe(header);
    }
    else if (IsJsonObject(path, size))
    {
      info["Type"] = "JSON";
    }
    else
    {
      info["Type"] = "Other";
    }
  }
}
