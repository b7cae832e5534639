// FSL bval and bvec texts. The input is "<volumes byte><bval>\0<bvec>".
#include "FuzzSupport.h"

#include "Metadata/DiffusionTable.h"

#include <algorithm>

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
  NiftiToDicomFuzz::InitializeOnce();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  if (size < 1)
  {
    return 0;
  }
  const int64_t volumes = data[0];
  const char* begin = reinterpret_cast<const char*>(data) + 1;
  const char* end = reinterpret_cast<const char*>(data) + size;
  const char* separator = std::find(begin, end, '\0');
  const std::string bval(begin, separator);
  const std::string bvec(separator == end ? end : separator + 1, end);

  NiftiToDicomFuzz::ExpectRefusalsOnly([&]()
  {
    NiftiToDicom::DiffusionTable::Parse(bval, bvec, volumes);
  });
  return 0;
}
