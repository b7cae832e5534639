#include "Nifti/NiftiVolume.h"
#include "Nifti/TemporaryFile.h"
#include "Nifti/VoxelReader.h"
#include "NiftiTestFile.h"
#include "TestHelpers.h"

#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <thread>

using namespace NiftiToDicom;
using namespace NiftiTest;

namespace
{
  // A fresh directory, removed with its files at the end of the test
  class ScratchDirectory
  {
  private:
    std::string path_;

  public:
    ScratchDirectory()
    {
      char pattern[] = "/tmp/NiftiVolumeTests-XXXXXX";
      if (mkdtemp(pattern) == nullptr)
      {
        throw std::runtime_error("mkdtemp failed");
      }
      path_ = pattern;
    }

    ~ScratchDirectory()
    {
      for (const std::string& name : List())
      {
        unlink((path_ + "/" + name).c_str());
      }
      rmdir(path_.c_str());
    }

    const std::string& GetPath() const
    {
      return path_;
    }

    std::string Write(const std::string& name, const std::string& content) const
    {
      const std::string path = path_ + "/" + name;
      std::ofstream file(path, std::ios::binary);
      file.write(content.data(), static_cast<std::streamsize>(content.size()));
      file.close();
      if (!file)
      {
        throw std::runtime_error("cannot write " + path);
      }
      return path;
    }

    std::vector<std::string> List() const
    {
      std::vector<std::string> names;
      DIR* directory = opendir(path_.c_str());
      if (directory != nullptr)
      {
        while (const dirent* entry = readdir(directory))
        {
          const std::string name = entry->d_name;
          if (name != "." && name != "..")
          {
            names.push_back(name);
          }
        }
        closedir(directory);
      }
      return names;
    }
  };

  // The open file descriptors of this process, with what they point to
  std::vector<std::string> ListOpenFiles()
  {
    std::vector<std::string> targets;
    DIR* directory = opendir("/proc/self/fd");
    if (directory == nullptr)
    {
      return targets;
    }
    while (const dirent* entry = readdir(directory))
    {
      const std::string name = entry->d_name;
      if (name == "." || name == "..")
      {
        continue;
      }
      char target[4096];
      const ssize_t length = readlink(("/proc/self/fd/" + name).c_str(), target, sizeof(target) - 1);
      if (length > 0)
      {
        targets.push_back(std::string(target, static_cast<size_t>(length)));
      }
    }
    closedir(directory);
    return targets;
  }

  size_t CountOpenFilesBelow(const std::string& directory)
  {
    size_t count = 0;
    for (const std::string& target : ListOpenFiles())
    {
      count += (target.compare(0, directory.size() + 1, directory + "/") == 0) ? 1 : 0;
    }
    return count;
  }

  // A 4D int16 file whose every voxel differs from its neighbours
  NiftiTestFile MakeFile(int version, bool swapped, std::vector<int16_t>& values)
  {
    NiftiTestFile f(version, { 7, 5, 4, 3 }, DT_INT16);
    f.byteSwapped = swapped;
    values.resize(7 * 5 * 4 * 3);
    for (size_t i = 0; i < values.size(); i++)
    {
      values[i] = static_cast<int16_t>(static_cast<int>(i * 37 % 1000) - 300);
    }
    f.SetVoxels(values);
    f.extension = MakeExtension(6, 40, 'c', swapped);   // voxels after an extension
    return f;
  }

  std::string SliceBytes(const NiftiVolume& volume, int64_t k, int64_t t)
  {
    const NiftiSlice slice = volume.ReadSlice(k, t);
    const size_t size = static_cast<size_t>(volume.GetWidth() * volume.GetHeight() * volume.GetHeader().bytesPerVoxel);
    return std::string(reinterpret_cast<const char*>(slice.GetData()), size);
  }

  std::string MessageOf(const std::function<void()>& statement)
  {
    try
    {
      statement();
    }
    catch (const ConversionError& e)
    {
      return std::string(ConversionError::KindName(e.GetKind())) + ": " + e.what();
    }
    return "no error";
  }
}


TEST(NiftiVolume, SameVoxelsFromMemoryFileAndGzip)
{
  ScratchDirectory scratch;
  for (int version = 1; version <= 2; version++)
  {
    for (int swapped = 0; swapped <= 1; swapped++)
    {
      std::vector<int16_t> values;
      const std::string plain = MakeFile(version, swapped != 0, values).Build();
      const std::string niiPath = scratch.Write("volume.nii", plain);
      const std::string gzPath = scratch.Write("volume.nii.gz", GzipCompress(plain));

      const NiftiVolume memory{ std::string(plain), 1 << 20 };
      const std::unique_ptr<NiftiVolume> file = NiftiVolume::Open(niiPath, "the file", 1 << 20, scratch.GetPath());
      const std::unique_ptr<NiftiVolume> inflated = NiftiVolume::Open(gzPath, "the file", 1 << 20, scratch.GetPath());

      EXPECT_TRUE(memory.IsInMemory());
      EXPECT_FALSE(file->IsInMemory());
      EXPECT_FALSE(inflated->IsInMemory());

      for (const NiftiVolume* volume : std::vector<const NiftiVolume*>{ &memory, file.get(), inflated.get() })
      {
        EXPECT_EQ(version, volume->GetHeader().version);
        EXPECT_EQ(swapped != 0, volume->GetHeader().byteSwapped);
        EXPECT_EQ(memory.GetHeader().voxOffset, volume->GetHeader().voxOffset);
        ASSERT_EQ(7, volume->GetWidth());
        ASSERT_EQ(5, volume->GetHeight());
        ASSERT_EQ(4, volume->GetDepth());
        ASSERT_EQ(3, volume->GetTimePoints());

        // Every voxel where the specification puts it, through VoxelReader
        // (byte order undone), slices read in a scattered order
        VoxelReader reader(*volume);
        std::vector<double> row;
        for (int64_t t : { 2, 0, 1 })
        {
          for (int64_t k : { 3, 1, 0, 2 })
          {
            for (int64_t r = 0; r < 5; r++)
            {
              reader.ReadDicomRow(row, r, k, t);
              ASSERT_EQ(7u, row.size());
              const int64_t j = 4 - r;   // DICOM rows run opposite to j
              for (int64_t i = 0; i < 7; i++)
              {
                ASSERT_EQ(values[static_cast<size_t>(i + 7 * (j + 5 * (k + 4 * t)))], row[i])
                  << "version " << version << " swapped " << swapped << " i " << i << " j " << j << " k " << k
                  << " t " << t;
              }
            }
          }
        }

        // ... and the stored bytes identical to those in memory
        for (int64_t t = 0; t < 3; t++)
        {
          for (int64_t k = 0; k < 4; k++)
          {
            EXPECT_EQ(SliceBytes(memory, k, t), SliceBytes(*volume, k, t));
          }
        }
      }
    }
  }
}


TEST(NiftiVolume, SlicesReadByThreadsAtOnce)
{
  ScratchDirectory scratch;
  NiftiTestFile f(1, { 64, 48, 20, 5 }, DT_FLOAT32);
  std::vector<float> values(64 * 48 * 20 * 5);
  for (size_t i = 0; i < values.size(); i++)
  {
    values[i] = static_cast<float>(i) * 0.5f;
  }
  f.SetVoxels(values);
  const std::string plain = f.Build();
  const NiftiVolume memory{ std::string(plain), 1 << 30 };
  const std::unique_ptr<NiftiVolume> file =
    NiftiVolume::Open(scratch.Write("a.nii.gz", GzipCompress(plain)), "the file", 1 << 30, scratch.GetPath());

  std::atomic<int> mismatches(0);
  std::vector<std::thread> threads;
  for (int n = 0; n < 4; n++)
  {
    threads.emplace_back([&, n]()
    {
      NiftiSlice slice;
      for (int64_t s = 0; s < 100; s++)
      {
        const int64_t k = (s * 7 + n) % 20;
        const int64_t t = (s + n) % 5;
        file->ReadSlice(slice, k, t);
        if (memcmp(slice.GetData(), memory.ReadSlice(k, t).GetData(), 64 * 48 * 4) != 0)
        {
          mismatches++;
        }
      }
    });
  }
  for (std::thread& thread : threads)
  {
    thread.join();
  }
  EXPECT_EQ(0, mismatches.load());
}


TEST(NiftiVolume, FileTruncatedAfterOpeningIsAnError)
{
  ScratchDirectory scratch;
  std::vector<int16_t> values;
  const NiftiTestFile f = MakeFile(1, false, values);
  const std::string plain = f.Build();
  const std::string path = scratch.Write("volume.nii", plain);

  const std::unique_ptr<NiftiVolume> volume = NiftiVolume::Open(path, "\"volume.nii\"", 1 << 20, scratch.GetPath());
  ASSERT_EQ(0, truncate(path.c_str(), static_cast<off_t>(plain.size() - 10)));

  // What lies before the cut still reads; the last slice ends after it
  EXPECT_EQ(plain.substr(f.GetDataOffset(), 7 * 5 * 2), SliceBytes(*volume, 0, 0));
  EXPECT_CONVERSION_ERROR(volume->ReadSlice(3, 2), Conflict, "\"volume.nii\" changed while it was being read");
  EXPECT_CONVERSION_ERROR(volume->ReadSlice(3, 2), Conflict, "truncated");

  VoxelReader reader(*volume);
  std::vector<double> row;
  EXPECT_CONVERSION_ERROR(reader.ReadDicomRow(row, 0, 3, 2), Conflict, "truncated");
  EXPECT_CONVERSION_ERROR(reader.ReadDicomRow(row, 1, 3, 2), Conflict, "truncated");   // no stale slice kept
}


TEST(NiftiVolume, FileErrorsSayWhatMemoryErrorsSay)
{
  ScratchDirectory scratch;
  std::vector<int16_t> values;

  // Truncated before it is opened: the header's own check, same words
  std::string truncated = MakeFile(2, true, values).Build();
  truncated.resize(truncated.size() - 1);

  // A broken extension (size not a multiple of 16) before the voxels
  NiftiTestFile badExtension = MakeFile(1, false, values);
  badExtension.extension[0] = 20;

  // Too short to be NIfTI at all
  const std::string tiny = "not a NIfTI file";

  for (const std::string& content : { truncated, badExtension.Build(), tiny })
  {
    const std::string memory = MessageOf([&]() { NiftiVolume v{ std::string(content), 1 << 20 }; });
    const std::string path = scratch.Write("bad.nii", content);
    const std::string file = MessageOf([&]() { NiftiVolume::Open(path, "x", 1 << 20, scratch.GetPath()); });
    const std::string gz = MessageOf([&]()
    {
      NiftiVolume::Open(scratch.Write("bad.nii.gz", GzipCompress(content)), "x", 1 << 20, scratch.GetPath());
    });
    EXPECT_NE("no error", memory);
    EXPECT_EQ(memory, file);
    EXPECT_EQ(memory, gz);
  }

  EXPECT_CONVERSION_ERROR(NiftiVolume::Open(scratch.GetPath() + "/absent.nii", "upload 1", 1 << 20, scratch.GetPath()),
                          UnknownResource, "The file of upload 1 cannot be read");

  // Uncompressed beyond the limit
  const std::string plain = MakeFile(1, false, values).Build();
  EXPECT_CONVERSION_ERROR(NiftiVolume::Open(scratch.Write("big.nii", plain), "x", plain.size() - 1, scratch.GetPath()),
                          TooLarge, "MaximumVolumeSize");
  EXPECT_NO_THROW(NiftiVolume::Open(scratch.Write("big.nii", plain), "x", plain.size(), scratch.GetPath()));
}


TEST(NiftiVolume, GzipErrorsAndBombLimit)
{
  ScratchDirectory scratch;
  ScratchDirectory temporary;
  std::vector<int16_t> values;
  const std::string plain = MakeFile(1, false, values).Build();
  const std::string compressed = GzipCompress(plain);

  std::string truncated = compressed.substr(0, compressed.size() / 2);
  EXPECT_CONVERSION_ERROR(NiftiVolume::Open(scratch.Write("t.nii.gz", truncated), "upload 7", 1 << 20,
                                            temporary.GetPath()),
                          InvalidInput, "The gzip stream of upload 7 is truncated");

  std::string corrupt = compressed;
  for (size_t i = 20; i < 60; i++)
  {
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  }
  EXPECT_CONVERSION_ERROR(NiftiVolume::Open(scratch.Write("c.nii.gz", corrupt), "upload 8", 1 << 20,
                                            temporary.GetPath()),
                          InvalidInput, "The gzip data of upload 8 does not decompress");

  // A bomb: 1 GiB of zeros in about 1 MB. It stops at the limit, with
  // at most the limit (and a chunk) written to the disk, and nothing left
  const std::string member = GzipCompress(std::string(64 << 20, '\0'));
  std::string bomb;
  for (int i = 0; i < 16; i++)
  {
    bomb += member;   // concatenated members inflate one after the other
  }
  const std::string bombPath = scratch.Write("bomb.nii.gz", bomb);
  EXPECT_CONVERSION_ERROR(NiftiVolume::Open(bombPath, "x", 8 << 20, temporary.GetPath()), TooLarge,
                          "maximum volume size of 8 MB (configuration option MaximumVolumeSize)");
  EXPECT_TRUE(temporary.List().empty());
  EXPECT_EQ(0u, CountOpenFilesBelow(temporary.GetPath()));

  // Exactly at the limit it opens
  EXPECT_NO_THROW(NiftiVolume::Open(scratch.Write("ok.nii.gz", compressed), "x", plain.size(), temporary.GetPath()));
  EXPECT_CONVERSION_ERROR(NiftiVolume::Open(scratch.Write("ok.nii.gz", compressed), "x", plain.size() - 1,
                                            temporary.GetPath()), TooLarge, "MaximumVolumeSize");
}


TEST(NiftiVolume, TemporaryFileHasNoNameAndGoesWithTheVolume)
{
  ScratchDirectory scratch;
  ScratchDirectory temporary;
  std::vector<int16_t> values;
  const std::string plain = MakeFile(2, false, values).Build();
  const std::string path = scratch.Write("v.nii.gz", GzipCompress(plain));

  const size_t before = ListOpenFiles().size();
  {
    const std::unique_ptr<NiftiVolume> volume = NiftiVolume::Open(path, "x", 1 << 20, temporary.GetPath());

    // One more descriptor: the inflated file, in the temporary directory,
    // already unlinked (nothing there to clean up, even after kill -9)
    EXPECT_EQ(before + 1, ListOpenFiles().size());
    EXPECT_EQ(1u, CountOpenFilesBelow(temporary.GetPath()));
    EXPECT_EQ(0u, CountOpenFilesBelow(scratch.GetPath()));   // the .nii.gz itself is closed
    EXPECT_TRUE(temporary.List().empty());
    EXPECT_EQ(SliceBytes(NiftiVolume{ std::string(plain), 1 << 20 }, 2, 1), SliceBytes(*volume, 2, 1));
  }
  EXPECT_EQ(before, ListOpenFiles().size());
  EXPECT_EQ(0u, CountOpenFilesBelow(temporary.GetPath()));
  EXPECT_TRUE(temporary.List().empty());

  // A .nii is read where it is: no temporary file
  {
    const std::unique_ptr<NiftiVolume> volume =
      NiftiVolume::Open(scratch.Write("v.nii", plain), "x", 1 << 20, temporary.GetPath());
    EXPECT_EQ(1u, CountOpenFilesBelow(scratch.GetPath()));
    EXPECT_EQ(0u, CountOpenFilesBelow(temporary.GetPath()));
  }
  EXPECT_EQ(before, ListOpenFiles().size());
}


TEST(NiftiVolume, TemporaryDirectoryIsChecked)
{
  ScratchDirectory scratch;
  EXPECT_NO_THROW(TemporaryFile::CheckDirectory(scratch.GetPath(), "NiftiToDicom.TemporaryDirectory"));
  EXPECT_TRUE(scratch.List().empty());

  EXPECT_CONVERSION_ERROR(TemporaryFile::CheckDirectory(scratch.GetPath() + "/absent",
                                                        "NiftiToDicom.TemporaryDirectory"), Internal,
                          "NiftiToDicom.TemporaryDirectory names \"" + scratch.GetPath() + "/absent\", "
                          "which is not an existing directory");
  const std::string file = scratch.Write("file", "x");
  EXPECT_CONVERSION_ERROR(TemporaryFile::CheckDirectory(file, "NiftiToDicom.TemporaryDirectory"),
                          Internal, "not an existing directory");

  // A .nii.gz cannot be opened without a place to inflate it
  std::vector<int16_t> values;
  const std::string gz = scratch.Write("v.nii.gz", GzipCompress(MakeFile(1, false, values).Build()));
  EXPECT_CONVERSION_ERROR(NiftiVolume::Open(gz, "x", 1 << 20, scratch.GetPath() + "/absent"), Internal,
                          "TemporaryDirectory");
}
