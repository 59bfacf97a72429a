// Opaque access tokens through OAuth 2.0 Token Introspection (RFC 7662): the response
// parser (pure) and a client that calls the injected HTTP function and caches active
// answers for a bounded time (never past the token's exp).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/http_fetch.hpp"
#include "auth/identity.hpp"
#include "auth/token_cache.hpp"
#include "core/result.hpp"

namespace gatehouse::auth {

struct IntrospectionConfig {
  std::string endpoint;
  std::string client_id;      // the gateway's credentials at the AS (client_secret_basic)
  std::string client_secret;
  std::string issuer;                  // when set, "iss" (if present) must equal it
  std::vector<std::string> audiences;  // when set, "aud" must hold one of them
  std::chrono::seconds cache_ttl{60};  // upper bound; also bounded by exp
  std::size_t cache_entries = 10000;
  ClaimPaths claim_paths;
};

// active:false -> introspection.inactive; not JSON / no boolean active -> introspection.invalid;
// exp passed -> jwt.expired; iss/aud checks as above. All Errc::unauthenticated.
// Without sub (client-credentials tokens), the subject is the client_id.
Result<Identity> parse_introspection(std::string_view body, const IntrospectionConfig& config, std::int64_t now);

class Introspector {
 public:
  Introspector(HttpFetch fetch, IntrospectionConfig config);
  // AS unreachable or answering non-200: Errc::unavailable (introspection.unavailable).
  boost::asio::awaitable<Result<std::shared_ptr<const Identity>>> introspect(std::string token, std::int64_t now);
  std::size_t calls() const { return calls_; }

 private:
  HttpFetch fetch_;
  IntrospectionConfig config_;
  TokenCache cache_;
  std::atomic<std::size_t> calls_{0};
};

}  // namespace gatehouse::auth
