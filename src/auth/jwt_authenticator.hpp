// Bearer JWT authentication for one route: one or more providers (issuer + audience rules +
// key source), a verified-token cache in front. Picks the provider by the token's (still
// unverified) `iss`, then verifies with that provider's keys only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/identity.hpp"
#include "auth/jwks_cache.hpp"
#include "auth/token_cache.hpp"
#include "auth/validator.hpp"
#include "core/result.hpp"

namespace gatehouse::auth {

struct JwtProvider {
  Validator validator;
  std::shared_ptr<JwksCache> keys;
};

inline constexpr std::int64_t kNoExpiryCacheSeconds = 300;

class JwtAuthenticator {
 public:
  // `cache` may be null (no caching) or shared between routes: entries are per token and per
  // set of provider rules (issuers, audiences), so routes with other audiences never share one.
  JwtAuthenticator(std::vector<JwtProvider> providers, std::shared_ptr<TokenCache> cache);

  // Cache hit, else the full check (refetching keys on an unknown kid, rate limited).
  // Errors are Errc::unauthenticated with a jwt.* reason: an AS outage shows up as
  // jwt.unknown_kid for tokens signed with keys we never saw, never as a 5xx.
  // Coroutine: arguments are taken by value so nothing dangles across suspension.
  boost::asio::awaitable<Result<std::shared_ptr<const Identity>>> authenticate(std::string token,
                                                                               std::int64_t now) const;

  // True when the token's (unverified) iss names one of these providers.
  bool claims_token(const ParsedJws& jws) const { return provider_for(jws) != nullptr; }

  // The synchronous part alone, against the keys currently held (no network).
  Result<std::shared_ptr<const Identity>> authenticate_cached_keys(std::string_view token, std::int64_t now) const;

  // The token cache key: the token with this authenticator's issuers and audiences.
  std::string cache_key(std::string_view token) const;

 private:
  const JwtProvider* provider_for(const ParsedJws& jws) const;
  Result<std::shared_ptr<const Identity>> finish(std::string_view token, ParsedJws jws, Alg alg,
                                                 const JwtProvider& p, const JwkSet& keys, std::int64_t now) const;


  std::vector<JwtProvider> providers_;
  std::shared_ptr<TokenCache> cache_;
  std::string cache_scope_;  // this authenticator's issuers and audiences: prefix of its cache keys
};

}  // namespace gatehouse::auth
