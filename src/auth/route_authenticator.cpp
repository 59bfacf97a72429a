#include "auth/route_authenticator.hpp"

#include <algorithm>

namespace gatehouse::auth {
namespace {

// Three non-empty dot-separated segments: a JWS. Anything else is opaque.
bool looks_like_jwt(std::string_view t) {
  auto a = t.find('.');
  if (a == std::string_view::npos || a == 0) return false;
  auto b = t.find('.', a + 1);
  return b != std::string_view::npos && b > a + 1 && b + 1 < t.size() && t.find('.', b + 1) == std::string_view::npos;
}

}  // namespace

Result<std::shared_ptr<const RouteAuthenticator>> RouteAuthenticator::create(RouteAuthConfig config,
                                                                            std::shared_ptr<TokenCache> cache) {
  if (config.jwt.empty() && config.jwt_svid.empty() && !config.introspection && !config.api_keys)
    return fail(Errc::invalid_config, "authentication: no method configured (jwt, jwt-svid, introspection or api_keys)");
  GH_TRY(auto paths, auth::well_known_paths(config.resource.resource));
  GH_TRY(auto url, auth::metadata_url(config.resource.resource));
  std::shared_ptr<RouteAuthenticator> r(new RouteAuthenticator());
  r->paths_ = std::move(paths);
  r->metadata_url_ = std::move(url);
  r->metadata_json_ = protected_resource_metadata(config.resource);
  if (!config.jwt.empty()) r->jwt_.emplace(config.jwt, std::move(cache));
  if (!config.jwt_svid.empty()) r->svid_.emplace(config.jwt_svid);
  r->config_ = std::move(config);
  return std::shared_ptr<const RouteAuthenticator>(std::move(r));
}

// A JWT whose iss names one of our JWT providers goes to them; otherwise one whose sub is a
// SPIFFE ID of a configured trust domain is a JWT-SVID (SVIDs need not carry iss at all).
bool RouteAuthenticator::is_jwt_svid(std::string_view token) const {
  if (!svid_) return false;
  if (!jwt_) return true;
  auto jws = parse_jws(token);
  if (!jws) return false;
  return !jwt_->claims_token(*jws) && svid_->claims_token(*jws);
}

Challenge RouteAuthenticator::from_error(const Error& e) const {
  Challenge c;
  c.reason = std::string(log_reason(e));
  c.message = e.message;
  if (e.code == Errc::unavailable || e.code == Errc::timeout) {
    c.status = 503;
    return c;
  }
  c.status = 401;
  // No credential at all: RFC 6750 §3.1 says no error code, just how to get one.
  if (e.reason == "bearer.missing")
    c.www_authenticate = www_authenticate_401(metadata_url_, config_.resource.scopes_supported);
  else
    c.www_authenticate = www_authenticate_401(metadata_url_, config_.resource.scopes_supported, "invalid_token", e.message);
  return c;
}

boost::asio::awaitable<AuthnResult> RouteAuthenticator::authenticate(std::string authorization,
                                                                     std::string api_key,
                                                                     std::int64_t now) const {
  AuthnResult out;
  auto fail_with = [&](const Error& e) {
    out.challenge = from_error(e);
    return std::move(out);
  };
  if (authorization.empty() && !api_key.empty() && config_.api_keys) {
    auto id = config_.api_keys->authenticate(api_key);
    if (!id) co_return fail_with(id.error());
    out.identity = share_identity(std::move(*id));
  } else {
    auto bearer = bearer_token(authorization);
    if (!bearer) co_return fail_with(bearer.error());
    out.token = std::string(*bearer);
    Result<std::shared_ptr<const Identity>> id = fail(Errc::unauthenticated, "token not accepted", "jwt.malformed");
    if (looks_like_jwt(out.token) && is_jwt_svid(out.token)) {
      id = svid_->authenticate(out.token, now);
    } else if (looks_like_jwt(out.token) && jwt_) {
      id = co_await jwt_->authenticate(out.token, now);
    } else if (config_.introspection) {
      id = co_await config_.introspection->introspect(out.token, now);
    } else if (config_.api_keys) {
      // Machine clients that can only send bearer credentials.
      auto key = config_.api_keys->authenticate(out.token);
      if (key) id = share_identity(std::move(*key));
      else id = key.propagate();
    }
    if (!id) co_return fail_with(id.error());
    out.identity = std::move(*id);
  }
  if (auto c = require_scopes(*out.identity, config_.required_scopes)) {
    out.challenge = std::move(c);
    out.identity.reset();
  }
  co_return out;
}

std::optional<Challenge> RouteAuthenticator::require_scopes(const Identity& who,
                                                            const std::vector<std::string>& needed) const {
  auto missing = who.missing_scopes(needed);
  if (missing.empty()) return std::nullopt;
  Challenge c;
  c.status = 403;
  c.reason = "authz.insufficient_scope";
  c.message = "the token lacks required scopes";
  // RFC 6750 §3.1: scope lists what is needed for this request (what the client should ask
  // for on step-up), i.e. everything required here, not only the missing part.
  c.www_authenticate = www_authenticate_403(metadata_url_, needed);
  return c;
}

std::optional<std::string> RouteAuthenticator::metadata_for_path(std::string_view path) const {
  if (path == paths_.path_suffixed || path == paths_.root) return metadata_json_;
  return std::nullopt;
}

}  // namespace gatehouse::auth
