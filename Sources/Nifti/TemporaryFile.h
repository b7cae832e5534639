#pragma once

#include <string>

namespace NiftiToDicom
{
  // A read-write file descriptor of a temporary file that has no name: it is
  // created unlinked (O_TMPFILE, else mkstemp then unlink at once), so its
  // disk space returns when the descriptor is closed, also when the process
  // is killed: nothing is ever left behind in the directory.
  class TemporaryFile
  {
  private:
    int fd_;

  public:
    // Throws ConversionError (Internal) saying why the file cannot be
    // created in "directory"
    explicit TemporaryFile(const std::string& directory);

    ~TemporaryFile();

    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;

    int GetDescriptor() const
    {
      return fd_;
    }

    // Hands the descriptor over to the caller, who closes it
    int Release();

    // Checks that "directory" exists and temporary files can be created in
    // it; throws ConversionError with a message that names "option"
    static void CheckDirectory(const std::string& directory, const std::string& option);
  };
}
