// Authorization-server helpers the gateway serves for one protected route, for IdPs that fall
// short of what MCP clients need: the IdP's metadata with the gaps filled, under an
// authorization-server URL of the gateway's own (which resource metadata then lists), and a
// registration endpoint for IdPs without open dynamic client registration (RFC 7591).
// docs/authorization-server-helpers.md says which IdP quirk each option addresses.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/as_metadata.hpp"
#include "auth/discovery.hpp"
#include "auth/http_fetch.hpp"
#include "core/result.hpp"

namespace gatehouse::auth {

struct AsHelperConfig {
  std::string idp_issuer;        // the IdP whose metadata is served (and who issues the tokens)
  std::string issuer;            // the gateway's authorization-server URL
  std::string registration_url;  // the gateway's registration endpoint; "" = not offered
  AsMetadataOverlay overlay;     // issuer and registration_endpoint are set from the above
  enum class Registration { none, forward, fixed };
  Registration registration = Registration::none;
  // forward: where registrations go ("" = the IdP's advertised endpoint), with the IdP's
  // initial access token (Keycloak, oidc-provider; RFC 7591 §3) as a Bearer token.
  std::string forward_endpoint;
  std::string initial_access_token;
  // fixed: the one public client pre-registered at the IdP, handed to every MCP client whose
  // redirect URIs it allows (exact, or a prefix when the entry ends with '*').
  std::string client_id;
  std::vector<std::string> allowed_redirect_uris;
  unsigned registrations_per_minute = 60;
  std::chrono::seconds metadata_ttl{300};
};

class AsHelper {
 public:
  AsHelper(AsHelperConfig config, HttpFetch fetch) : config_(std::move(config)), fetch_(std::move(fetch)) {}

  // The metadata document (200), or 503 when the IdP cannot be reached and none is cached.
  boost::asio::awaitable<HttpResponse> metadata();
  // An RFC 7591 registration request: 201 with the client, 400 for bad client metadata,
  // 429 over the rate, 503 when the IdP is unreachable; the IdP's own error otherwise.
  boost::asio::awaitable<HttpResponse> register_client(std::string body);

  const AsHelperConfig& config() const { return config_; }

  // Client metadata as the helper accepts it: a JSON object whose redirect_uris are
  // absolute, fragment-free https URIs, http URIs on a loopback host, or private-use schemes
  // (RFC 8252 §7.1: a scheme with a dot). Public for tests.
  static Result<boost::json::object> check_client_metadata(std::string_view body);
  static bool redirect_allowed(const std::vector<std::string>& allowed, std::string_view uri);

 private:
  boost::asio::awaitable<Result<AuthServerMetadata>> idp_metadata();
  bool take_registration_slot();
  HttpResponse fixed_client(const boost::json::object& request) const;

  AsHelperConfig config_;
  HttpFetch fetch_;
  std::mutex mu_;  // guards the fields below (handlers run on every listener thread)
  std::optional<AuthServerMetadata> cached_;
  std::chrono::steady_clock::time_point fetched_at_{};
  std::chrono::steady_clock::time_point window_start_{};
  unsigned in_window_ = 0;
};

}  // namespace gatehouse::auth
