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

// 0-63 for the base64url alphabet, 0xFF for anything else.
constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = 0xFF;
  for (int i = 0; i < 64; ++i) t[static_cast<std::uint8_t>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  return t;
}
constexpr auto kDecode = make_decode_table();

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

// One cipher context per thread and direction, keyed once: allocation and the AES/GHASH key
// schedule were most of a small seal or open; the next token under the same key only sets the
// nonce. A context remembers which key it holds (boxes for sessions and request state differ).
struct KeyedCtx {
  std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx{EVP_CIPHER_CTX_new()};
  std::array<std::uint8_t, SealedBox::kKeyBytes> key{};
  bool keyed = false;
};

const EVP_CIPHER* aes_gcm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  assert(cipher);
  return cipher;
}

// Starts one seal (encrypt) or open on this thread's context for `key` and `nonce`.
EVP_CIPHER_CTX* begin(bool encrypt, const std::array<std::uint8_t, SealedBox::kKeyBytes>& key,
                      const unsigned char* nonce) {
  thread_local KeyedCtx contexts[2];
  KeyedCtx& k = contexts[encrypt ? 1 : 0];
  assert(k.ctx);
  int rc = 0;
  if (k.keyed && k.key == key) {
    rc = EVP_CipherInit_ex(k.ctx.get(), nullptr, nullptr, nullptr, nonce, encrypt ? 1 : 0);
  } else {
    rc = EVP_CipherInit_ex(k.ctx.get(), aes_gcm(), nullptr, key.data(), nonce, encrypt ? 1 : 0);
    k.key = key;
    k.keyed = rc == 1;
  }
  assert(rc == 1);
  (void)rc;
  return k.ctx.get();
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
  std::string out(in.size() / 4 * 3 + (in.size() % 4 == 0 ? 0 : in.size() % 4 - 1), '\0');
  auto* o = reinterpret_cast<std::uint8_t*>(out.data());
  auto sextet = [&](std::size_t k) { return kDecode[static_cast<std::uint8_t>(in[k])]; };
  std::size_t i = 0;
  for (; i + 4 <= in.size(); i += 4) {
    std::uint8_t a = sextet(i), b = sextet(i + 1), c = sextet(i + 2), d = sextet(i + 3);
    if ((a | b | c | d) & 0xC0) return std::nullopt;
    std::uint32_t v = (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) | (std::uint32_t{c} << 6) | d;
    *o++ = static_cast<std::uint8_t>(v >> 16);
    *o++ = static_cast<std::uint8_t>(v >> 8);
    *o++ = static_cast<std::uint8_t>(v);
  }
  // A tail of 2 or 3 characters: its unused low bits must be zero, so each byte string has
  // exactly one encoding.
  if (std::size_t rest = in.size() - i; rest >= 2) {
    std::uint8_t a = sextet(i), b = sextet(i + 1), c = rest == 3 ? sextet(i + 2) : 0;
    if ((a | b | c) & 0xC0) return std::nullopt;
    std::uint32_t v = (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) | (std::uint32_t{c} << 6);
    *o++ = static_cast<std::uint8_t>(v >> 16);
    if (rest == 3) *o++ = static_cast<std::uint8_t>(v >> 8);
    if ((rest == 2 ? (v & 0xFFFF) : (v & 0xFF)) != 0) return std::nullopt;
  }
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
  EVP_CIPHER_CTX* ctx = begin(true, key_, nonce);
  int len = 0;
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
  EVP_CIPHER_CTX* ctx = begin(false, key_, nonce);
  int len = 0;
  int rc = EVP_DecryptUpdate(ctx, nullptr, &len, in, 1);
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
