#include "Nifti/GzipInflater.h"
#include "NiftiTestFile.h"
#include "Nifti/NiftiVolume.h"
#include "TestHelpers.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include <unistd.h>

using namespace NiftiToDicom;
using namespace NiftiTest;

namespace
{
  // Compressible but not trivial: text-like bytes from a fixed seed
  std::string MakeData(size_t size, unsigned int seed)
  {
    std::mt19937 generator(seed);
    std::uniform_int_distribution<int> letter(0, 15);
    std::string data(size, '\0');
    for (size_t i = 0; i < size; i++)
    {
      data[i] = static_cast<char>('a' + letter(generator));
    }
    return data;
  }

  // A field of /proc/self/status in bytes (VmRSS, VmHWM), -1 if unreadable
  int64_t ReadMemoryStatus(const std::string& field)
  {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
    {
      if (line.compare(0, field.size() + 1, field + ":") == 0)
      {
        return std::stoll(line.substr(field.size() + 1)) * 1024;
      }
    }
    return -1;
  }

  // Writing 5 to clear_refs resets the peak resident size VmHWM (Linux 4.0+)
  bool ResetPeakMemory()
  {
    std::ofstream clearRefs("/proc/self/clear_refs");
    clearRefs << "5";
    clearRefs.flush();
    return clearRefs.good();
  }

  std::string Inflate(const std::string& compressed, size_t maxOutput)
  {
    std::string target;
    GzipInflater::Inflate(target, compressed.data(), compressed.size(), maxOutput);
    return target;
  }
}


TEST(GzipInflater, IsGzip)
{
  const std::string compressed = GzipCompress("hello");
  EXPECT_TRUE(GzipInflater::IsGzip(compressed.data(), compressed.size()));
  EXPECT_FALSE(GzipInflater::IsGzip(compressed.data(), 1));
  EXPECT_FALSE(GzipInflater::IsGzip("\x1f\x8a", 2));
  EXPECT_FALSE(GzipInflater::IsGzip("", 0));

  const std::string nifti = NiftiTestFile(1, { 2, 2, 2 }, DT_UINT8).Build();
  EXPECT_FALSE(GzipInflater::IsGzip(nifti.data(), nifti.size()));
}


TEST(GzipInflater, RoundTrip)
{
  for (size_t size : { size_t(0), size_t(1), size_t(17), size_t(1000), size_t(3 << 20) })
  {
    SCOPED_TRACE(size);
    const std::string data = MakeData(size, static_cast<unsigned int>(size));
    EXPECT_EQ(data, Inflate(GzipCompress(data), size_t(16) << 20));
  }
}


TEST(GzipInflater, HighlyCompressible)
{
  // Expands far beyond the first allocation guess of twice the input size
  const std::string data(5 << 20, '\0');
  const std::string compressed = GzipCompress(data);
  ASSERT_LT(compressed.size(), data.size() / 100);
  EXPECT_EQ(data, Inflate(compressed, data.size()));
}


TEST(GzipInflater, ConcatenatedMembers)
{
  const std::string a = MakeData(5000, 1);
  const std::string b = MakeData(70000, 2);
  const std::string c = "tail";
  EXPECT_EQ(a + b + c, Inflate(GzipCompress(a) + GzipCompress(b) + GzipCompress(c), 1 << 20));
}


TEST(GzipInflater, TruncatedStream)
{
  const std::string data = MakeData(100000, 3);
  const std::string compressed = GzipCompress(data);

  for (size_t cut : { size_t(1), size_t(4), size_t(8), compressed.size() / 2, compressed.size() - 11 })
  {
    SCOPED_TRACE(cut);
    const std::string truncated = compressed.substr(0, compressed.size() - cut);
    EXPECT_CONVERSION_ERROR(Inflate(truncated, 1 << 20), InvalidInput, "truncated");
  }

  // A second member cut short
  const std::string twoMembers = compressed + compressed.substr(0, compressed.size() / 3);
  EXPECT_CONVERSION_ERROR(Inflate(twoMembers, 1 << 20), InvalidInput, "truncated");
}


TEST(GzipInflater, CorruptStream)
{
  const std::string data = MakeData(100000, 4);
  const std::string compressed = GzipCompress(data);

  // Damaged deflate data
  std::string damaged = compressed;
  for (size_t i = 100; i < 140; i++)
  {
    damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
  }
  EXPECT_CONVERSION_ERROR(Inflate(damaged, 1 << 20), InvalidInput, "damaged");

  // Wrong CRC-32 in the trailer
  std::string badCrc = compressed;
  badCrc[badCrc.size() - 8] = static_cast<char>(badCrc[badCrc.size() - 8] ^ 1);
  EXPECT_CONVERSION_ERROR(Inflate(badCrc, 1 << 20), InvalidInput, "damaged");

  // Unknown compression method in the gzip header
  std::string badMethod = compressed;
  badMethod[2] = 7;
  EXPECT_CONVERSION_ERROR(Inflate(badMethod, 1 << 20), InvalidInput, "damaged");
}


TEST(GzipInflater, OutputLimit)
{
  const std::string data = MakeData(300000, 5);
  const std::string compressed = GzipCompress(data);

  EXPECT_EQ(data, Inflate(compressed, data.size()));
  EXPECT_CONVERSION_ERROR(Inflate(compressed, data.size() - 1), TooLarge, "maximum");
  EXPECT_CONVERSION_ERROR(Inflate(compressed, 1000), TooLarge, "maximum");
  EXPECT_CONVERSION_ERROR(Inflate(compressed, 0), TooLarge, "maximum");

  // The limit covers all members together
  const std::string twice = compressed + compressed;
  EXPECT_EQ(data + data, Inflate(twice, 2 * data.size()));
  EXPECT_CONVERSION_ERROR(Inflate(twice, 2 * data.size() - 1), TooLarge, "maximum");
}


TEST(GzipInflater, BombStopsAtLimit)
{
  // 64 MB of zeros compress to about 64 kB; with a 1 MB limit the inflater must
  // stop early rather than allocate the whole output
  const std::string bomb = GzipCompress(std::string(64 << 20, '\0'));
  EXPECT_CONVERSION_ERROR(Inflate(bomb, 1 << 20), TooLarge, "maximum");
}


TEST(GzipInflater, TrailerSizeIsNotTrusted)
{
  // A 21-byte gzip whose trailer announces 4 GB (ISIZE 0xFFFFFFFF), under a
  // 3 GB limit: refused as damaged without allocating what the trailer says
  std::string lie = GzipCompress("x");
  ASSERT_EQ(21u, lie.size());
  lie.replace(lie.size() - 4, 4, std::string(4, '\xff'));

  if (!ResetPeakMemory())
  {
    GTEST_SKIP() << "/proc/self/clear_refs cannot reset the peak resident size here";
  }
  const int64_t before = ReadMemoryStatus("VmRSS");
  ASSERT_GT(before, 0);
  EXPECT_CONVERSION_ERROR(Inflate(lie, size_t(3) << 30), InvalidInput, "damaged");
  const int64_t growth = ReadMemoryStatus("VmHWM") - before;
  EXPECT_LT(growth, 100 << 20) << "peak resident size grew by " << growth / (1 << 20) << " MB";

  // The trailer is still checked once the data has inflated
  const std::string data = MakeData(200000, 6);
  std::string understated = GzipCompress(data);
  const std::string trailer = understated.substr(understated.size() - 4);
  understated.replace(understated.size() - 4, 4, std::string(4, '\0'));
  EXPECT_CONVERSION_ERROR(Inflate(understated, 1 << 20), InvalidInput, "damaged");
  understated.replace(understated.size() - 4, 4, trailer);
  EXPECT_EQ(data, Inflate(understated, 1 << 20));
}


TEST(GzipInflater, TooLargeNamesTheLimitAndItsOption)
{
  // Both ways of inflating (in memory, and gzread() from a file) say the same
  const std::string compressed = GzipCompress(std::string(3 << 20, 'x'));
  const std::string expected = "maximum volume size of 2 MB (configuration option MaximumVolumeSize)";
  EXPECT_CONVERSION_ERROR(Inflate(compressed, 2 << 20), TooLarge, expected);

  char path[] = "/tmp/GzipInflaterTests-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_NE(-1, fd);
  ASSERT_EQ(static_cast<ssize_t>(compressed.size()), write(fd, compressed.data(), compressed.size()));
  close(fd);
  EXPECT_CONVERSION_ERROR(NiftiVolume::Open(path, "the file", 2 << 20, "/tmp"), TooLarge, expected);
  unlink(path);
}


TEST(GzipInflater, CompressedNiftiVolume)
{
  for (int version = 1; version <= 2; version++)
  {
    NiftiTestFile f(version, { 6, 5, 4, 3 }, DT_INT16);
    std::vector<int16_t> values(6 * 5 * 4 * 3);
    for (size_t i = 0; i < values.size(); i++)
    {
      values[i] = static_cast<int16_t>(i * 7 - 500);
    }
    f.SetVoxels(values);
    const std::string plain = f.Build();

    NiftiVolume volume(GzipCompress(plain), 1 << 20);
    EXPECT_EQ(version, volume.GetHeader().version);
    EXPECT_EQ(6, volume.GetWidth());
    EXPECT_EQ(5, volume.GetHeight());
    EXPECT_EQ(4, volume.GetDepth());
    EXPECT_EQ(3, volume.GetTimePoints());

    // Voxel (i=2, j=3, k=1, t=2)
    const NiftiSlice slice = volume.ReadSlice(1, 2);
    const uint8_t* row = slice.GetRow(3);
    int16_t v;
    memcpy(&v, row + 2 * 2, 2);
    EXPECT_EQ(values[2 + 6 * (3 + 5 * (1 + 4 * 2))], v);

    EXPECT_CONVERSION_ERROR(NiftiVolume(GzipCompress(plain), plain.size() - 1), TooLarge, "maximum");

    std::string truncated = GzipCompress(plain);
    truncated.resize(truncated.size() / 2);
    EXPECT_CONVERSION_ERROR(NiftiVolume(std::move(truncated), 1 << 20), InvalidInput, "truncated");
  }
}
