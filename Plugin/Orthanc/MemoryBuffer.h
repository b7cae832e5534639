#pragma once

#include <orthanc/OrthancCPlugin.h>

#include <json/value.h>

#include <cstddef>

namespace NiftiToDicomPlugin
{
  // Owns an OrthancPluginMemoryBuffer filled by the SDK
  class MemoryBuffer
  {
  private:
    OrthancPluginMemoryBuffer buffer_;

  public:
    MemoryBuffer();

    ~MemoryBuffer();

    MemoryBuffer(const MemoryBuffer&) = delete;
    MemoryBuffer& operator=(const MemoryBuffer&) = delete;

    OrthancPluginMemoryBuffer* operator&()
    {
      return &buffer_;
    }

    const char* GetData() const
    {
      return reinterpret_cast<const char*>(buffer_.data);
    }

    size_t GetSize() const
    {
      return buffer_.size;
    }

    // Throws ConversionError(Internal) if the buffer holds no valid JSON
    void ToJson(Json::Value& target) const;
  };
}
