#include "auth/api_keys.hpp"

#include "auth/crypto_util.hpp"

namespace gatehouse::auth {

Result<ApiKeyStore> ApiKeyStore::create(std::vector<ApiKeyEntry> entries) {
  ApiKeyStore store;
  for (auto& e : entries) {
    Stored s;
    if (e.sha256_hex.size() != 64 || !from_hex(e.sha256_hex, s.digest))
      return fail(Errc::invalid_config, "api key hash must be 64 hex digits (SHA-256)");
    if (e.subject.empty()) return fail(Errc::invalid_config, "api key needs a subject");
    s.identity.method = "api_key";
    s.identity.issuer = std::string(kApiKeyIssuer);
    s.identity.subject = std::move(e.subject);
    s.identity.client_id = e.client_id.empty() ? s.identity.subject : std::move(e.client_id);
    s.identity.scopes = std::move(e.scopes);
    s.identity.roles = std::move(e.roles);
    s.identity.groups = std::move(e.groups);
    s.identity.claims["sub"] = s.identity.subject;
    s.identity.claims["iss"] = s.identity.issuer;
    store.keys_.push_back(std::move(s));
  }
  return store;
}

Result<Identity> ApiKeyStore::authenticate(std::string_view presented) const {
  std::string digest = sha256(presented);
  const Stored* match = nullptr;
  // Visit every entry so timing does not reveal which one matched.
  for (const auto& k : keys_)
    if (constant_time_equal(digest, k.digest) && !match) match = &k;
  if (!match) return fail(Errc::unauthenticated, "unknown API key", "apikey.unknown");
  return match->identity;
}

}  // namespace gatehouse::auth
