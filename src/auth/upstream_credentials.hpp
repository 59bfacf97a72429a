// What the gateway presents to an upstream MCP server, per target. The client's own token is
// never forwarded unless a target says `passthrough` (MCP security best practices: no token
// passthrough, no confused deputy). Options: nothing, a static header (value resolved from
// env or file by the config loader), OAuth client credentials with the gateway's own client,
// or RFC 8693 token exchange of the caller's token, cached per principal, scopes and audience.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/http_fetch.hpp"
#include "auth/identity.hpp"
#include "core/result.hpp"

namespace gatehouse::auth {

enum class UpstreamAuthKind { none, passthrough, static_header, client_credentials, token_exchange };

struct UpstreamAuthConfig {
  UpstreamAuthKind kind = UpstreamAuthKind::none;
  std::string header_name = "authorization";  // static_header
  std::string header_value;                   // static_header, already resolved
  std::string token_endpoint;                 // client_credentials, token_exchange
  std::string client_id;
  std::string client_secret;
  std::string scope;     // requested scope (optional)
  std::string audience;  // RFC 8693 audience (token_exchange)
  std::string resource;  // RFC 8707 resource (both grants, optional)
  std::chrono::seconds refresh_margin{30};  // renew this long before expires_in ends
  std::size_t cache_entries = 10000;        // token_exchange
};

struct UpstreamHeader {
  std::string name;
  std::string value;
};

struct TokenResponse {
  std::string access_token;
  std::string token_type;
  std::int64_t expires_at = 0;  // unix seconds, 0 when the AS gave no expires_in
};

// A token endpoint's JSON answer (RFC 6749 §5.1, RFC 8693 §2.2.1). token_type must be
// Bearer (or N_A for exchanged non-bearer tokens, which we reject).
Result<TokenResponse> parse_token_response(std::string_view body, std::int64_t now);

class UpstreamCredentials {
 public:
  UpstreamCredentials(HttpFetch fetch, UpstreamAuthConfig config);

  // The header to add for this caller, or nullopt for none. `client_token` is the caller's
  // bearer token (only used by passthrough and token_exchange). Errors: Errc::forbidden
  // (upstream_auth.denied) when the AS refuses an exchange, Errc::unavailable otherwise.
  boost::asio::awaitable<Result<std::optional<UpstreamHeader>>> header_for(const Identity& caller,
                                                                           std::string client_token,
                                                                           std::int64_t now);

  std::size_t token_requests() const { return requests_; }

 private:
  struct Cached {
    std::string token;
    std::int64_t renew_at;
  };
  boost::asio::awaitable<Result<TokenResponse>> request(HttpRequest req);
  std::optional<std::string> cached(const std::string& key, std::int64_t now);
  void remember(std::string key, const TokenResponse& t, std::int64_t cap, std::int64_t now);

  HttpFetch fetch_;
  UpstreamAuthConfig config_;
  std::mutex mutex_;
  std::map<std::string, Cached> cache_;
  std::atomic<std::size_t> requests_{0};
};

}  // namespace gatehouse::auth
