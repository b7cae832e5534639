#include "Orthanc/MemoryBuffer.h"

#include "Orthanc/OrthancContext.h"

#include "Common/ConversionError.h"

#include <Toolbox.h>

namespace NiftiToDicomPlugin
{
  MemoryBuffer::MemoryBuffer()
  {
    buffer_.data = nullptr;
    buffer_.size = 0;
  }


  MemoryBuffer::~MemoryBuffer()
  {
    if (buffer_.data != nullptr)
    {
      OrthancPluginFreeMemoryBuffer(OrthancContext::Get(), &buffer_);
    }
  }


  void MemoryBuffer::ToJson(Json::Value& target) const
  {
    if (!Orthanc::Toolbox::ReadJson(target, GetData(), GetSize()))
    {
      throw NiftiToDicom::ConversionError(NiftiToDicom::ErrorKind::Internal, "Orthanc answered with invalid JSON");
    }
  }
}
