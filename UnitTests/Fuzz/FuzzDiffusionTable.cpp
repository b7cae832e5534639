// FSL bval and bvec texts. The input is "<volumes byte><bval>\0<bvec>".
#include "FuzzSupport.h"

#include "Metadata/DiffusionTable.h"

#include <algorithm>
#include <cmath>

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
    const NiftiToDicom::DiffusionTable table = NiftiToDicom::DiffusionTable::Parse(bval, bvec, volumes);

    // What the IODs write of it: finite b-values and unit (or zero) directions,
    // also through an oblique, scaled, left-handed transform
    NiftiToDicom::Affine oblique;
    const double m[16] = { -0.9, 0.1, 0.0, 90, 0.1, 0.9, -0.3, -120, 0.0, 0.3, 2.5, -60, 0, 0, 0, 1 };
    std::copy(m, m + 16, oblique.m.begin());
    for (int64_t t = 0; t < table.GetVolumes(); t++)
    {
      const NiftiToDicom::Vector3 gradient = table.GetGradientLps(t, oblique);
      double norm = 0;
      for (int i = 0; i < 3; i++)
      {
        norm += gradient[i] * gradient[i];
      }
      if (!std::isfinite(table.GetBValue(t)) || !std::isfinite(norm) || norm > 1.0001 ||
          (norm > 0 && norm < 0.9999))
      {
        __builtin_trap();
      }
      table.GetDirectionality(t);
    }
  });
  return 0;
}
