#include "FuzzSupport.h"

#include <OrthancFramework.h>

#include <mutex>

namespace NiftiToDicomFuzz
{
  void InitializeOnce()
  {
    static std::once_flag once;
    std::call_once(once, []() { Orthanc::InitializeFramework("", false); });
  }
}
