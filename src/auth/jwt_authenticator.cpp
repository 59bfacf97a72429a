#include "auth/jwt_authenticator.hpp"

namespace gatehouse::auth {

JwtAuthenticator::JwtAuthenticator(std::vector<JwtProvider> providers, std::shared_ptr<TokenCache> cache)
    : providers_(std::move(providers)), cache_(std::move(cache)) {
  // The cache is shared by every route, but acceptance depends on each route's issuers and
  // audiences: a token verified for one route must not be a hit on a route with other rules.
  for (const auto& p : providers_) {
    cache_scope_ += p.validator.config().issuer + '\n';
    for (const auto& aud : p.validator.config().audiences) cache_scope_ += aud + '\n';
    cache_scope_ += '\0';
  }
}

std::string JwtAuthenticator::cache_key(std::string_view token) const {
  std::string key = cache_scope_;
  key += token;
  return key;
}

const JwtProvider* JwtAuthenticator::provider_for(const ParsedJws& jws) const {
  auto iss = jws.payload.find("iss");
  if (iss == jws.payload.end() || !iss->value().is_string()) return nullptr;
  for (const auto& p : providers_)
    if (p.validator.config().issuer == iss->value().as_string()) return &p;
  return nullptr;
}

Result<std::shared_ptr<const Identity>> JwtAuthenticator::finish(std::string_view token, ParsedJws jws, Alg alg,
                                                                 const JwtProvider& p, const JwkSet& keys,
                                                                 std::int64_t now) const {
  GH_CHECK(p.validator.check_signature(jws, alg, keys));
  GH_TRY(Identity id, p.validator.check_claims(std::move(jws), now));
  std::int64_t until = id.expires_at > 0 ? id.expires_at : now + kNoExpiryCacheSeconds;
  auto shared = share_identity(std::move(id));
  if (cache_) cache_->insert(cache_scope_, token, shared, until);
  return shared;
}

boost::asio::awaitable<Result<std::shared_ptr<const Identity>>> JwtAuthenticator::authenticate(
    std::string token, std::int64_t now) const {
  if (cache_)
    if (auto hit = cache_->find(cache_scope_, token, now)) co_return hit;
  auto jws = parse_jws(token);
  if (!jws) co_return jws.propagate();
  const JwtProvider* p = provider_for(*jws);
  if (!p) co_return fail(Errc::unauthenticated, "token issuer not accepted", "jwt.bad_issuer");
  auto alg = p->validator.check_header(*jws);
  if (!alg) co_return alg.propagate();
  auto keys = co_await p->keys->keys_for(jws->kid);
  co_return finish(token, std::move(*jws), *alg, *p, *keys, now);
}

Result<std::shared_ptr<const Identity>> JwtAuthenticator::authenticate_cached_keys(std::string_view token,
                                                                                 std::int64_t now) const {
  if (cache_)
    if (auto hit = cache_->find(cache_scope_, token, now)) return hit;
  GH_TRY(ParsedJws jws, parse_jws(token));
  const JwtProvider* p = provider_for(jws);
  if (!p) return fail(Errc::unauthenticated, "token issuer not accepted", "jwt.bad_issuer");
  GH_TRY(Alg alg, p->validator.check_header(jws));
  auto keys = p->keys->current();
  return finish(token, std::move(jws), alg, *p, *keys, now);
}

}  // namespace gatehouse::auth
