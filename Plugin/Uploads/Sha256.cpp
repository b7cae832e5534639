#include "Uploads/Sha256.h"

#include <openssl/evp.h>

#include <cctype>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <vector>

namespace NiftiToDicomPlugin
{
  Sha256::Sha256() :
    context_(EVP_MD_CTX_new())
  {
    if (context_ == nullptr || EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1)
    {
      EVP_MD_CTX_free(context_);
      throw std::runtime_error("OpenSSL cannot compute SHA-256");
    }
  }


  Sha256::~Sha256()
  {
    EVP_MD_CTX_free(context_);
  }


  void Sha256::Update(const void* data, size_t size)
  {
    if (size > 0 && EVP_DigestUpdate(context_, data, size) != 1)
    {
      throw std::runtime_error("OpenSSL cannot compute SHA-256");
    }
  }


  std::string Sha256::FinishHex()
  {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context_, digest, &length) != 1)
    {
      throw std::runtime_error("OpenSSL cannot compute SHA-256");
    }

    static const char HEX[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; i++)
    {
      hex.push_back(HEX[digest[i] >> 4]);
      hex.push_back(HEX[digest[i] & 0x0f]);
    }
    return hex;
  }


  std::string Sha256::Compute(const void* data, size_t size)
  {
    Sha256 hash;
    hash.Update(data, size);
    return hash.FinishHex();
  }


  bool Sha256::ComputeFile(std::string& digest, const std::string& path)
  {
    std::unique_ptr<FILE, int (*)(FILE*)> file(fopen(path.c_str(), "rb"), fclose);
    if (!file)
    {
      return false;
    }

    Sha256 hash;
    std::vector<char> buffer(1 << 20);
    size_t count;
    while ((count = fread(buffer.data(), 1, buffer.size(), file.get())) > 0)
    {
      hash.Update(buffer.data(), count);
    }
    if (ferror(file.get()))
    {
      return false;
    }
    digest = hash.FinishHex();
    return true;
  }


  bool Sha256::Normalize(std::string& digest)
  {
    if (digest.size() != 64)
    {
      return false;
    }
    for (char& c : digest)
    {
      if (!isxdigit(static_cast<unsigned char>(c)))
      {
        return false;
      }
      c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    }
    return true;
  }
}
