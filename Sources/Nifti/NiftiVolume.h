#pragma once

#include "Nifti/NiftiHeader.h"

#include <memory>
#include <string>

namespace NiftiToDicom
{
  // The stored voxels of one slice (k, t) of a NIfTI volume, in file byte
  // order: GetHeight() rows of GetWidth() voxels. Owns its bytes when they
  // were read from a file; points into the volume's buffer when the volume
  // is in memory (then valid as long as the volume). Reusable: reading into
  // the same object again keeps its allocation.
  class NiftiSlice
  {
    friend class NiftiVolume;

  private:
    std::string     storage_;
    const uint8_t*  external_;
    size_t          rowBytes_;

  public:
    NiftiSlice() :
      external_(nullptr),
      rowBytes_(0)
    {
    }

    const uint8_t* GetData() const
    {
      return external_ != nullptr ? external_ : reinterpret_cast<const uint8_t*>(storage_.data());
    }

    // Row j of the slice (NIfTI order: j = 0 is the first row in the file)
    const uint8_t* GetRow(int64_t j) const
    {
      return GetData() + static_cast<size_t>(j) * rowBytes_;
    }
  };


  // A NIfTI volume: its header, and its voxels read a slice at a time.
  // The voxels are either in memory (the bytes of a small file sent inline,
  // read in place) or in a file read with pread() when a slice is asked for:
  // a .nii as it is, a .nii.gz inflated once, in file order, into an
  // unlinked temporary file. Memory then stays a few slices per reading
  // thread whatever the size of the file. Never mmap(): a mapped file that
  // another process truncates kills the whole process with SIGBUS, where a
  // short read is an error of this import only.
  //
  // ReadSlice() may be called by several threads at once.
  class NiftiVolume
  {
  private:
    std::string  buffer_;   // in memory: the decompressed .nii file
    int          fd_;       // else: the .nii file, or the inflated temporary file
    std::string  name_;     // how messages call the file
    NiftiHeader  header_;

    NiftiVolume();

    void ReadAt(void* target, size_t size, uint64_t offset) const;
    void ReadHeader(uint64_t fileSize);

  public:
    // Takes the bytes of a .nii or .nii.gz file. "file" is consumed (moved
    // from) so that the volume exists in memory only once. Gzip data is
    // inflated up to maxVolumeBytes.
    NiftiVolume(std::string&& file, size_t maxVolumeBytes);

    NiftiVolume(NiftiVolume&& other) noexcept;

    NiftiVolume(const NiftiVolume&) = delete;
    NiftiVolume& operator=(const NiftiVolume&) = delete;

    ~NiftiVolume();

    // Opens a .nii or .nii.gz file on disk. A .nii is read from where it
    // is; a .nii.gz is inflated as a stream (up to maxVolumeBytes) into an
    // unlinked file of temporaryDirectory. "name" is how messages call the
    // file (not necessarily its path).
    static std::unique_ptr<NiftiVolume> Open(const std::string& path, const std::string& name,
                                             size_t maxVolumeBytes, const std::string& temporaryDirectory);

    const NiftiHeader& GetHeader() const
    {
      return header_;
    }

    int64_t GetWidth() const
    {
      return header_.GetSize(1);
    }

    int64_t GetHeight() const
    {
      return header_.GetSize(2);
    }

    int64_t GetDepth() const
    {
      return header_.GetSize(3);
    }

    int64_t GetTimePoints() const
    {
      return header_.GetSize(4);
    }

    bool IsInMemory() const
    {
      return fd_ < 0;
    }

    // The stored voxels of slice k of volume t. Throws ConversionError
    // (Conflict) if the file was truncated since it was opened.
    void ReadSlice(NiftiSlice& target, int64_t k, int64_t t) const;

    NiftiSlice ReadSlice(int64_t k, int64_t t) const
    {
      NiftiSlice slice;
      ReadSlice(slice, k, t);
      return slice;
    }
  };
}
