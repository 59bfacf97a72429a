// AEAD sealing for state the gateway hands to clients and must get back unmodified:
// session ids and wrapped request state. AES-256-GCM under a key derived once (HKDF-SHA256)
// from the configured secret; tokens are base64url(version | nonce | ciphertext | tag).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::gateway {

class SealedBox {
 public:
  static constexpr std::uint8_t kVersion = 1;
  static constexpr std::size_t kKeyBytes = 32;
  static constexpr std::size_t kNonceBytes = 12;
  static constexpr std::size_t kTagBytes = 16;

  // `secret` is the configured secret (any length >= 1); `purpose` separates keys derived
  // from one secret for different uses ("session", "request-state").
  static SealedBox derive(std::string_view secret, std::string_view purpose);
  // A random key for this process only (no secret configured).
  static SealedBox random();

  // `aad` binds the token to a context it is not stored in (e.g. a target name).
  std::string seal(std::string_view plaintext, std::string_view aad = {}) const;
  // nullopt for anything that is not a token this key sealed with this aad.
  std::optional<std::string> open(std::string_view token, std::string_view aad = {}) const;

 private:
  explicit SealedBox(const std::array<std::uint8_t, kKeyBytes>& key) : key_(key) {}
  std::array<std::uint8_t, kKeyBytes> key_;
};

// Strict base64url without padding: rejects padding, other alphabets and non-canonical tails.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace gatehouse::gateway
