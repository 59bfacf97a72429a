// Authorization-server metadata discovery: OpenID Connect Discovery first, then RFC 8414,
// with the issuer check both require (the document must name the issuer we asked about).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "auth/http_fetch.hpp"
#include "core/result.hpp"

namespace gatehouse::auth {

struct AuthServerMetadata {
  std::string issuer;
  std::string jwks_uri;
  std::string token_endpoint;
  std::string introspection_endpoint;
  std::string registration_endpoint;
  std::string authorization_endpoint;
  boost::json::object raw;  // everything, for the metadata helpers that fill IdP gaps
};

// Candidate metadata URLs in the order tried. Issuer without a path:
//   {iss}/.well-known/openid-configuration, {iss}/.well-known/oauth-authorization-server.
// Issuer with a path (https://h/realms/x): OIDC appended, OIDC inserted, RFC 8414 inserted.
Result<std::vector<std::string>> metadata_urls(std::string_view issuer);

// Parses one metadata document; `issuer` must equal expected_issuer exactly.
Result<AuthServerMetadata> parse_as_metadata(std::string_view body, std::string_view expected_issuer);

// Tries each URL; the first 200 with a valid document wins. Errc::unavailable otherwise.
boost::asio::awaitable<Result<AuthServerMetadata>> discover(const HttpFetch& fetch, std::string issuer);

}  // namespace gatehouse::auth
