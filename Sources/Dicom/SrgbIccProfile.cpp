#include "Dicom/SrgbIccProfile.h"

#include <cmath>
#include <cstdint>
#include <vector>

namespace NiftiToDicom
{
  namespace
  {
    class Writer
    {
    private:
      std::string bytes_;

    public:
      void U8(uint8_t v)
      {
        bytes_.push_back(static_cast<char>(v));
      }

      void U16(uint16_t v)
      {
        U8(v >> 8);
        U8(v & 0xff);
      }

      void U32(uint32_t v)   // ICC is big-endian
      {
        U16(v >> 16);
        U16(v & 0xffff);
      }

      void Signature(const char* s)
      {
        bytes_.append(s, 4);
      }

      void S15Fixed16(double v)
      {
        U32(static_cast<uint32_t>(static_cast<int32_t>(std::lround(v * 65536.0))));
      }

      void Zeros(size_t count)
      {
        bytes_.append(count, '\0');
      }

      void Align()
      {
        while (bytes_.size() % 4 != 0)
        {
          U8(0);
        }
      }

      size_t Size() const
      {
        return bytes_.size();
      }

      std::string& Bytes()
      {
        return bytes_;
      }
    };

    void XyzTag(Writer& w, double x, double y, double z)
    {
      w.Signature("XYZ ");
      w.Zeros(4);
      w.S15Fixed16(x);
      w.S15Fixed16(y);
      w.S15Fixed16(z);
    }

    void TextDescriptionTag(Writer& w, const std::string& text)
    {
      w.Signature("desc");
      w.Zeros(4);
      w.U32(static_cast<uint32_t>(text.size() + 1));
      w.Bytes().append(text);
      w.U8(0);
      w.Zeros(4 + 4);        // Unicode language code and count
      w.Zeros(2 + 1 + 67);   // ScriptCode code, count and buffer
    }

    void TextTag(Writer& w, const std::string& text)
    {
      w.Signature("text");
      w.Zeros(4);
      w.Bytes().append(text);
      w.U8(0);
    }

    void GammaTag(Writer& w, double gamma)
    {
      w.Signature("curv");
      w.Zeros(4);
      w.U32(1);
      w.U16(static_cast<uint16_t>(std::lround(gamma * 256.0)));   // u8Fixed8
    }

    std::string Build()
    {
      struct Tag
      {
        const char* signature;
        std::string data;
      };

      auto make = [](void (*fill)(Writer&))
      {
        Writer w;
        fill(w);
        return w.Bytes();
      };

      // sRGB primaries and white in the D50 connection space (Bradford-adapted)
      const std::vector<Tag> tags =
      {
        { "desc", make([](Writer& w) { TextDescriptionTag(w, "sRGB"); }) },
        { "cprt", make([](Writer& w) { TextTag(w, "No copyright, use freely"); }) },
        { "wtpt", make([](Writer& w) { XyzTag(w, 0.9642, 1.0, 0.8249); }) },
        { "rXYZ", make([](Writer& w) { XyzTag(w, 0.4361, 0.2225, 0.0139); }) },
        { "gXYZ", make([](Writer& w) { XyzTag(w, 0.3851, 0.7169, 0.0971); }) },
        { "bXYZ", make([](Writer& w) { XyzTag(w, 0.1431, 0.0606, 0.7141); }) },
        { "rTRC", make([](Writer& w) { GammaTag(w, 2.2); }) },
        { "gTRC", make([](Writer& w) { GammaTag(w, 2.2); }) },
        { "bTRC", make([](Writer& w) { GammaTag(w, 2.2); }) }
      };

      // Tag data follows the header (128 bytes) and the tag table
      size_t offset = 128 + 4 + 12 * tags.size();
      std::vector<size_t> offsets;
      for (const Tag& tag : tags)
      {
        offsets.push_back(offset);
        offset += (tag.data.size() + 3) / 4 * 4;
      }
      const size_t total = offset;

      Writer w;
      w.U32(static_cast<uint32_t>(total));   // profile size
      w.Zeros(4);                            // preferred CMM
      w.U32(0x02100000);                     // version 2.1
      w.Signature("mntr");                   // display device profile
      w.Signature("RGB ");
      w.Signature("XYZ ");
      w.Zeros(12);                           // creation date: unspecified
      w.Signature("acsp");
      w.Zeros(4 + 4 + 4 + 4 + 8);            // platform, flags, manufacturer, model, attributes
      w.U32(0);                              // rendering intent: perceptual
      w.S15Fixed16(0.9642);                  // illuminant of the connection space: D50
      w.S15Fixed16(1.0);
      w.S15Fixed16(0.8249);
      w.Zeros(4);                            // creator
      w.Zeros(44);                           // profile ID and reserved bytes

      w.U32(static_cast<uint32_t>(tags.size()));
      for (size_t i = 0; i < tags.size(); i++)
      {
        w.Signature(tags[i].signature);
        w.U32(static_cast<uint32_t>(offsets[i]));
        w.U32(static_cast<uint32_t>(tags[i].data.size()));
      }
      for (const Tag& tag : tags)
      {
        w.Bytes().append(tag.data);
        w.Align();
      }
      return w.Bytes();
    }
  }


  const std::string& SrgbIccProfile::Get()
  {
    static const std::string profile = Build();
    return profile;
  }
}
