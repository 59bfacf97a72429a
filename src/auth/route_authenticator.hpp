// The authn stage's whole job for one route, behind one call: read the credential (bearer
// JWT, JWT-SVID, opaque token via introspection, or API key), produce the Identity, or the exact
// 401/403 answer the MCP authorization spec asks for (WWW-Authenticate with resource
// metadata and scopes). Also serves the route's protected resource metadata. Built once per
// config snapshot; const and thread-safe afterwards.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/api_keys.hpp"
#include "auth/introspection.hpp"
#include "auth/jwt_authenticator.hpp"
#include "auth/jwt_svid.hpp"
#include "auth/resource_server.hpp"
#include "core/result.hpp"

namespace gatehouse::auth {

struct RouteAuthConfig {
  ProtectedResource resource;  // resource = the route's public URL
  std::vector<JwtProvider> jwt;                   // several issuers per route
  std::vector<JwtSvidProvider> jwt_svid;          // SPIFFE workloads, one per trust domain
  std::shared_ptr<Introspector> introspection;    // for tokens that are not JWTs
  std::shared_ptr<const ApiKeyStore> api_keys;    // machine clients
  std::vector<std::string> required_scopes;       // for every request on the route
};

// What to answer instead of proceeding.
struct Challenge {
  int status = 401;              // 401, 403, or 503 when the introspection AS is unreachable
  std::string www_authenticate;  // empty for 503
  std::string reason;            // log token, e.g. jwt.expired, bearer.missing
  std::string message;           // safe for the client
};

struct AuthnResult {
  std::shared_ptr<const Identity> identity;  // set on success
  std::optional<Challenge> challenge;        // set on failure
  std::string token;  // the bearer token (for upstream passthrough/exchange), never logged
  bool ok() const { return identity != nullptr; }
};

class RouteAuthenticator {
 public:
  // invalid_config when no method is configured or the resource URL is not absolute.
  static Result<std::shared_ptr<const RouteAuthenticator>> create(RouteAuthConfig config,
                                                                 std::shared_ptr<TokenCache> cache);

  // `authorization`: the Authorization header ("" if absent); `api_key`: the API key header
  // ("" if absent). The Authorization header wins when both are present.
  // Coroutine: arguments are taken by value so nothing dangles across suspension.
  boost::asio::awaitable<AuthnResult> authenticate(std::string authorization, std::string api_key,
                                                   std::int64_t now) const;

  // Step-up: a 403 insufficient_scope challenge when `who` lacks any of `needed`.
  std::optional<Challenge> require_scopes(const Identity& who, const std::vector<std::string>& needed) const;

  // The RFC 9728 document when `path` is this route's path-suffixed or root well-known path.
  std::optional<std::string> metadata_for_path(std::string_view path) const;
  const WellKnownPaths& well_known_paths() const { return paths_; }
  const std::string& metadata_url() const { return metadata_url_; }

 private:
  RouteAuthenticator() = default;
  Challenge from_error(const Error& e) const;
  bool is_jwt_svid(std::string_view token) const;

  RouteAuthConfig config_;
  std::optional<JwtAuthenticator> jwt_;
  std::optional<JwtSvidAuthenticator> svid_;
  WellKnownPaths paths_;
  std::string metadata_url_;
  std::string metadata_json_;
};

}  // namespace gatehouse::auth
