#pragma once

#include <cstddef>
#include <string>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace NiftiToDicomPlugin
{
  // SHA-256 (OpenSSL's libcrypto), fed piece by piece so that a file of any
  // size is hashed in bounded memory. Digests are 64 lowercase hex digits.
  class Sha256
  {
  private:
    EVP_MD_CTX*  context_;

  public:
    Sha256();

    ~Sha256();

    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void Update(const void* data, size_t size);

    // Ends the computation: the object cannot be fed any more
    std::string FinishHex();

    static std::string Compute(const void* data, size_t size);

    // False if the file cannot be read
    static bool ComputeFile(std::string& digest, const std::string& path);

    // 64 hexadecimal digits (either case); "digest" is lowered
    static bool Normalize(std::string& digest);
  };
}
