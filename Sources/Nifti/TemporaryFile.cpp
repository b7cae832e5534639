#include "Nifti/TemporaryFile.h"

#include "Common/ConversionError.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace NiftiToDicom
{
  namespace
  {
    int CreateUnlinked(const std::string& directory, int& error)
    {
#ifdef O_TMPFILE
      int fd = open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
      if (fd >= 0)
      {
        return fd;
      }
      if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
      {
        error = errno;   // e.g. ENOENT, EACCES: mkstemp would fail the same way
        return -1;
      }
#endif
      // Filesystems without O_TMPFILE: a named file, unlinked at once
      std::string pattern = directory + "/nifti-to-dicom-XXXXXX";
      std::vector<char> path(pattern.begin(), pattern.end());
      path.push_back('\0');
      int named = mkostemp(path.data(), O_CLOEXEC);
      if (named < 0)
      {
        error = errno;
        return -1;
      }
      unlink(path.data());
      return named;
    }
  }


  TemporaryFile::TemporaryFile(const std::string& directory) :
    fd_(-1)
  {
    int error = 0;
    fd_ = CreateUnlinked(directory, error);
    if (fd_ < 0)
    {
      throw ConversionError(ErrorKind::Internal, "Cannot create a temporary file in " + directory + " (" +
                            strerror(error) + "): check the configuration option NiftiToDicom.TemporaryDirectory");
    }
  }


  TemporaryFile::~TemporaryFile()
  {
    if (fd_ >= 0)
    {
      close(fd_);
    }
  }


  int TemporaryFile::Release()
  {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }


  void TemporaryFile::CheckDirectory(const std::string& directory, const std::string& option)
  {
    struct stat info;
    if (directory.empty() || stat(directory.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
    {
      throw ConversionError(ErrorKind::Internal, "The configuration option " + option + " names " +
                            (directory.empty() ? std::string("no directory") : "\"" + directory + "\"") +
                            ", which is not an existing directory: .nii.gz files are decompressed there");
    }

    int error = 0;
    const int fd = CreateUnlinked(directory, error);
    if (fd < 0)
    {
      throw ConversionError(ErrorKind::Internal, "The configuration option " + option + " names \"" + directory +
                            "\", where no file can be created (" + strerror(error) + "): .nii.gz files are "
                            "decompressed there; make it writable by Orthanc");
    }
    close(fd);
  }
}
