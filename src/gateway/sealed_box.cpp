#include "gateway/sealed_box.hpp"

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <cassert>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace gatehouse::gateway {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

// One cipher context per thread: allocation is the dominant cost of a small seal.
EVP_CIPHER_CTX* thread_ctx() {
  thread_local std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx(EVP_CIPHER_CTX_new());
  assert(ctx);
  return ctx.get();
}

const EVP_CIPHER* aes_gcm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  assert(cipher);
  return cipher;
}

}  // namespace

std::string base64url_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(in[k]); };
  for (; i + 3 <= in.size(); i += 3) {
    std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (in.size() - i == 1) {
    std::uint32_t v = byte(i) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (in.size() - i == 2) {
    std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int d = decode_char(c);
    if (d < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  // Leftover bits must be zero, so each byte string has exactly one encoding.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

SealedBox SealedBox::derive(std::string_view secret, std::string_view purpose) {
  std::array<std::uint8_t, kKeyBytes> key{};
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> pctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr), &EVP_PKEY_CTX_free);
  static constexpr unsigned char kSalt[] = "gatehouse/sealed-box/v1";
  std::string info = "gatehouse ";
  info += purpose;
  std::size_t len = key.size();
  bool ok = pctx && EVP_PKEY_derive_init(pctx.get()) > 0 &&
            EVP_PKEY_CTX_set_hkdf_md(pctx.get(), EVP_sha256()) > 0 &&
            EVP_PKEY_CTX_set1_hkdf_salt(pctx.get(), kSalt, sizeof(kSalt) - 1) > 0 &&
            EVP_PKEY_CTX_set1_hkdf_key(pctx.get(),
                                       reinterpret_cast<const unsigned char*>(secret.data()),
                                       static_cast<int>(secret.size())) > 0 &&
            EVP_PKEY_CTX_add1_hkdf_info(pctx.get(),
                                        reinterpret_cast<const unsigned char*>(info.data()),
                                        static_cast<int>(info.size())) > 0 &&
            EVP_PKEY_derive(pctx.get(), key.data(), &len) > 0 && len == key.size();
  if (!ok) throw std::runtime_error("HKDF-SHA256 key derivation failed");  // config time only
  return SealedBox(key);
}

SealedBox SealedBox::random() {
  std::array<std::uint8_t, kKeyBytes> key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1)
    throw std::runtime_error("no randomness for the session key");
  return SealedBox(key);
}

std::string SealedBox::seal(std::string_view plaintext, std::string_view aad) const {
  std::string raw(1 + kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  out[0] = kVersion;
  unsigned char* nonce = out + 1;
  unsigned char* body = nonce + kNonceBytes;
  // A random 96-bit nonce per token: safe for far more than 2^32 seals under one key.
  int rc = RAND_bytes(nonce, kNonceBytes);
  assert(rc == 1);
  EVP_CIPHER_CTX* ctx = thread_ctx();
  int len = 0;
  rc = EVP_EncryptInit_ex(ctx, aes_gcm(), nullptr, key_.data(), nonce);
  assert(rc == 1);
  rc = EVP_EncryptUpdate(ctx, nullptr, &len, out, 1);  // the version byte is authenticated
  if (!aad.empty())
    rc &= EVP_EncryptUpdate(ctx, nullptr, &len,
                            reinterpret_cast<const unsigned char*>(aad.data()),
                            static_cast<int>(aad.size()));
  rc &= EVP_EncryptUpdate(ctx, body, &len,
                          reinterpret_cast<const unsigned char*>(plaintext.data()),
                          static_cast<int>(plaintext.size()));
  rc &= EVP_EncryptFinal_ex(ctx, body + len, &len);
  rc &= EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, body + plaintext.size());
  assert(rc == 1);
  (void)rc;
  return base64url_encode(raw);
}

std::optional<std::string> SealedBox::open(std::string_view token, std::string_view aad) const {
  // Anything larger than a few KiB is not ours; refuse before decoding.
  if (token.size() > 16 * 1024) return std::nullopt;
  auto raw = base64url_decode(token);
  if (!raw || raw->size() < 1 + kNonceBytes + kTagBytes) return std::nullopt;
  const auto* in = reinterpret_cast<const unsigned char*>(raw->data());
  if (in[0] != kVersion) return std::nullopt;
  const unsigned char* nonce = in + 1;
  const unsigned char* body = nonce + kNonceBytes;
  std::size_t body_len = raw->size() - 1 - kNonceBytes - kTagBytes;
  std::string plain(body_len, '\0');
  EVP_CIPHER_CTX* ctx = thread_ctx();
  int len = 0;
  int rc = EVP_DecryptInit_ex(ctx, aes_gcm(), nullptr, key_.data(), nonce);
  rc &= EVP_DecryptUpdate(ctx, nullptr, &len, in, 1);
  if (!aad.empty())
    rc &= EVP_DecryptUpdate(ctx, nullptr, &len,
                            reinterpret_cast<const unsigned char*>(aad.data()),
                            static_cast<int>(aad.size()));
  rc &= EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(plain.data()), &len, body,
                          static_cast<int>(body_len));
  rc &= EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes,
                            const_cast<unsigned char*>(body + body_len));
  if (rc != 1) return std::nullopt;
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(plain.data()) + len,
                          &final_len) != 1)
    return std::nullopt;
  return plain;
}

}  // namespace gatehouse::gateway
