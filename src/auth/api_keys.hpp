// API keys for machine clients: config stores only the SHA-256 of each key (hex); a
// presented key is hashed and compared in constant time against every entry.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/identity.hpp"
#include "core/result.hpp"

namespace gatehouse::auth {

struct ApiKeyEntry {
  std::string sha256_hex;  // of the key as the client sends it
  std::string subject;     // who this key is
  std::string client_id;
  std::vector<std::string> scopes;
  std::vector<std::string> roles;
  std::vector<std::string> groups;
};

inline constexpr std::string_view kApiKeyIssuer = "gatehouse:api-key";

class ApiKeyStore {
 public:
  // invalid_config when a hash is not 64 hex digits or a subject is empty.
  static Result<ApiKeyStore> create(std::vector<ApiKeyEntry> entries);

  // Errc::unauthenticated, reason apikey.unknown, when no entry matches.
  Result<Identity> authenticate(std::string_view presented) const;

 private:
  struct Stored {
    std::string digest;  // 32 raw bytes
    Identity identity;
  };
  std::vector<Stored> keys_;
};

}  // namespace gatehouse::auth
