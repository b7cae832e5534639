#include "Common/LargeBuffer.h"

#include <cstdint>
#include <sys/mman.h>

namespace NiftiToDicom
{
  namespace
  {
    const size_t HUGE_PAGE = 2 * 1024 * 1024;
  }


  void ReserveLargeBuffer(std::string& buffer, size_t size)
  {
    const size_t before = buffer.capacity();
    buffer.reserve(size);

#if defined(MADV_HUGEPAGE)
    // Only a new allocation of several huge pages: an old one has been
    // touched already, and a small one may share pages with other data
    if (size >= 4 * HUGE_PAGE && buffer.capacity() != before)
    {
      // The whole pages inside the buffer: advice only changes how they are
      // backed, never their content
      const uintptr_t begin = reinterpret_cast<uintptr_t>(&buffer[0]);
      const uintptr_t first = (begin + 4095) & ~static_cast<uintptr_t>(4095);
      const uintptr_t last = (begin + buffer.capacity()) & ~static_cast<uintptr_t>(4095);
      if (last > first)
      {
        madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);   // a refusal only costs speed
      }
    }
#endif
  }
}
