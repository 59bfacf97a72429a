// The one normalized principal every authentication method produces (JWT, introspection,
// API key): what policies, logs and the session binding read, whatever the identity provider.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::auth {

// Where roles and groups live in the claims; dotted paths ("realm_access.roles",
// "resource_access.gatehouse.roles"). A key that itself contains dots (Auth0's
// "https://example.com/roles") is tried literally first.
struct ClaimPaths {
  std::vector<std::string> roles{"roles"};
  std::vector<std::string> groups{"groups"};
};

struct Identity {
  std::string method;  // "jwt", "introspection", "api_key"
  std::string subject;
  std::string issuer;
  std::string client_id;  // client_id, else azp
  std::vector<std::string> scopes;
  std::vector<std::string> roles;
  std::vector<std::string> groups;
  boost::json::object claims;
  std::int64_t expires_at = 0;  // unix seconds; 0 when the credential does not expire

  // Stable across tokens of one principal: hex SHA-256 of issuer NUL subject. Sessions are
  // bound to this, so a session id presented by another principal is unknown.
  std::string principal_key() const;
  bool has_scope(std::string_view scope) const;
  bool has_role(std::string_view role) const;
  // Scopes from `required` this identity lacks (for a 403 insufficient_scope).
  std::vector<std::string> missing_scopes(const std::vector<std::string>& required) const;
  boost::json::object to_json() const;  // for logs, the CLI and policy attributes

  // principal_key() as computed by share_identity() (a hash per request was ~6k
  // instructions, and a cached identity serves many requests). It remembers the issuer and
  // subject it was computed from, so an edited copy never returns a stale key.
  std::string memo_material;  // issuer NUL subject
  std::string memo_key;
};

// The identity, final, as the authenticators hand it out (and caches keep it): its
// principal key computed once.
std::shared_ptr<const Identity> share_identity(Identity identity);

// Reads sub, iss, client_id/azp, scope (space separated) or scp (array or string), roles and
// groups from `paths`. Keeps every claim.
Identity identity_from_claims(boost::json::object claims, const ClaimPaths& paths, std::string method);

// The value at a dotted path, or nullptr.
const boost::json::value* find_claim(const boost::json::object& claims, std::string_view path);

}  // namespace gatehouse::auth
