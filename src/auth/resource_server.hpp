// Resource-server duties of the MCP authorization spec, as pure functions: Protected Resource
// Metadata (RFC 9728) and its well-known paths, WWW-Authenticate challenges for 401 and for
// 403 insufficient_scope (RFC 6750 §3), and reading the bearer token from Authorization.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::auth {

struct ProtectedResource {
  std::string resource;  // exactly the public URL clients use, e.g. https://gw.example/mcp
  std::vector<std::string> authorization_servers;  // issuer URLs
  std::vector<std::string> scopes_supported;
  std::vector<std::string> bearer_methods_supported{"header"};
  std::string resource_name;           // optional
  std::string resource_documentation;  // optional
};

// The metadata document (application/json).
std::string protected_resource_metadata(const ProtectedResource& pr);

// RFC 9728 §3.1: for https://h/mcp, path_suffixed = /.well-known/oauth-protected-resource/mcp
// (what clients derive from the resource) and root = /.well-known/oauth-protected-resource
// (what older clients probe). For a resource without a path both are the root.
struct WellKnownPaths {
  std::string path_suffixed;
  std::string root;
};
Result<WellKnownPaths> well_known_paths(std::string_view resource);
// Absolute URL of the path-suffixed document, for resource_metadata="…".
Result<std::string> metadata_url(std::string_view resource);

// 401: Bearer resource_metadata="…"[, scope="…"][, error="…", error_description="…"].
// Without a token RFC 6750 says no error code; with a bad one use error="invalid_token".
std::string www_authenticate_401(std::string_view metadata_url, const std::vector<std::string>& scopes,
                                 std::string_view error = {}, std::string_view description = {});
// 403 step-up: Bearer error="insufficient_scope", scope="needed scopes", resource_metadata="…".
std::string www_authenticate_403(std::string_view metadata_url, const std::vector<std::string>& scopes,
                                 std::string_view description = {});

// "Bearer <token68>" (scheme case-insensitive). bearer.missing when the header is absent
// or another scheme, bearer.malformed otherwise; both Errc::unauthenticated.
Result<std::string_view> bearer_token(std::string_view authorization);

}  // namespace gatehouse::auth
