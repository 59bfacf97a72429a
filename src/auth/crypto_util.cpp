#include "auth/crypto_util.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace gatehouse::auth {

std::string sha256(std::string_view data) { return sha256(data, {}); }

std::string sha256(std::string_view first, std::string_view second) {
  // Fetched once: with EVP_sha256() OpenSSL 3 looks the algorithm up in its provider
  // registry on every call (~11k instructions, more than hashing a token: callgrind showed
  // it twice per request in the token cache).
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  const EVP_MD* md_type = kSha256 ? kSha256 : EVP_sha256();
  // One context per thread, reset by each init: EVP_Digest allocates and frees one per call.
  struct Ctx {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Ctx holder;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = holder.ctx;
  if (!ctx || !EVP_DigestInit_ex2(ctx, md_type, nullptr) || !EVP_DigestUpdate(ctx, first.data(), first.size()) ||
      !EVP_DigestUpdate(ctx, second.data(), second.size()) || !EVP_DigestFinal_ex(ctx, md, &len)) {
    // Out of memory in OpenSSL: the one-shot path, which reports by length.
    std::string joined(first);
    joined += second;
    len = 0;
    EVP_Digest(joined.data(), joined.size(), md, &len, md_type, nullptr);
  }
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

bool from_hex(std::string_view hex, std::string& out) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return false;
  out.clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi << 4 | lo);
  }
  return true;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace gatehouse::auth
