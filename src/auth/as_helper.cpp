#include "auth/as_helper.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include "core/log.hpp"

namespace gatehouse::auth {

namespace json = boost::json;
namespace asio = boost::asio;

namespace {

constexpr std::size_t kMaxRegistrationBody = 64 * 1024;
constexpr std::size_t kMaxRedirectUris = 20;
constexpr std::size_t kMaxRedirectUriLength = 2048;

HttpResponse oauth_error(int status, std::string_view error, std::string_view description) {
  json::object o{{"error", error}, {"error_description", description}};
  return HttpResponse{status, "application/json", json::serialize(o)};
}

bool loopback_host(std::string_view host) {
  return host == "127.0.0.1" || host == "[::1]" || host == "localhost";
}

Result<void> check_redirect_uri(std::string_view uri) {
  if (uri.size() > kMaxRedirectUriLength) return fail(Errc::bad_request, "redirect URI too long", "as.redirect_uri");
  auto u = boost::urls::parse_absolute_uri(uri);
  if (!u) return fail(Errc::bad_request, "redirect URI is not an absolute URI", "as.redirect_uri");
  if (u->has_fragment()) return fail(Errc::bad_request, "redirect URI has a fragment", "as.redirect_uri");
  const auto scheme = u->scheme();
  if (scheme == "https" && !u->host().empty()) return {};
  if (scheme == "http" && loopback_host(u->encoded_host()))
    return {};
  if (scheme != "http" && scheme != "https" && scheme.find('.') != std::string_view::npos) return {};
  return fail(Errc::bad_request,
              "redirect URI must be https, http on a loopback host, or a private-use scheme (RFC 8252)",
              "as.redirect_uri");
}

}  // namespace

Result<json::object> AsHelper::check_client_metadata(std::string_view body) {
  if (body.size() > kMaxRegistrationBody)
    return fail(Errc::bad_request, "client metadata too large", "as.metadata_size");
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return fail(Errc::bad_request, "client metadata is not a JSON object", "as.metadata_json");
  auto& o = v.as_object();
  auto* uris = o.if_contains("redirect_uris");
  if (!uris || !uris->is_array() || uris->as_array().empty())
    return fail(Errc::bad_request, "redirect_uris must be a non-empty array", "as.redirect_uri");
  if (uris->as_array().size() > kMaxRedirectUris)
    return fail(Errc::bad_request, "too many redirect_uris", "as.redirect_uri");
  for (const auto& u : uris->as_array()) {
    if (!u.is_string()) return fail(Errc::bad_request, "redirect_uris must be strings", "as.redirect_uri");
    if (auto ok = check_redirect_uri(u.as_string()); !ok.ok()) return ok.propagate();
  }
  return std::move(o);
}

bool AsHelper::redirect_allowed(const std::vector<std::string>& allowed, std::string_view uri) {
  for (const auto& a : allowed) {
    if (!a.empty() && a.back() == '*') {
      if (uri.starts_with(std::string_view(a).substr(0, a.size() - 1))) return true;
    } else if (a == uri) {
      return true;
    }
  }
  return false;
}

asio::awaitable<Result<AuthServerMetadata>> AsHelper::idp_metadata() {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    if (cached_ && now - fetched_at_ < config_.metadata_ttl) co_return *cached_;
  }
  auto fresh = co_await discover(fetch_, config_.idp_issuer);
  std::lock_guard lock(mu_);
  if (fresh.ok()) {
    cached_ = *fresh;
    fetched_at_ = now;
    co_return std::move(*fresh);
  }
  // The IdP is down or answers badly: the last good document still describes it.
  log::warn("as.metadata_unavailable", {{"issuer", config_.idp_issuer}, {"reason", fresh.error().reason}});
  if (cached_) co_return *cached_;
  co_return fresh.propagate();
}

asio::awaitable<HttpResponse> AsHelper::metadata() {
  auto idp = co_await idp_metadata();
  if (!idp.ok())
    co_return oauth_error(503, "temporarily_unavailable", "the authorization server cannot be reached");
  AsMetadataOverlay overlay = config_.overlay;
  overlay.issuer = config_.issuer;
  if (!config_.registration_url.empty()) {
    overlay.registration_endpoint = config_.registration_url;
    overlay.replace_registration_endpoint = true;
  }
  auto doc = overlay_as_metadata(json::serialize(idp->raw), overlay);
  if (!doc.ok()) co_return oauth_error(503, "temporarily_unavailable", doc.error().message);
  co_return HttpResponse{200, "application/json", std::move(*doc)};
}

bool AsHelper::take_registration_slot() {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (now - window_start_ >= std::chrono::minutes(1)) {
    window_start_ = now;
    in_window_ = 0;
  }
  if (in_window_ >= config_.registrations_per_minute) return false;
  ++in_window_;
  return true;
}

HttpResponse AsHelper::fixed_client(const json::object& request) const {
  json::array uris;
  for (const auto& u : request.at("redirect_uris").as_array()) uris.push_back(u);
  json::object o{{"client_id", config_.client_id},
                 {"client_id_issued_at", std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count()},
                 {"redirect_uris", std::move(uris)},
                 {"grant_types", json::array{"authorization_code", "refresh_token"}},
                 {"response_types", json::array{"code"}},
                 // A client shared by every MCP client cannot keep a secret: public, PKCE only.
                 {"token_endpoint_auth_method", "none"}};
  if (auto* name = request.if_contains("client_name"); name && name->is_string()) o["client_name"] = *name;
  return HttpResponse{201, "application/json", json::serialize(o)};
}

asio::awaitable<HttpResponse> AsHelper::register_client(std::string body) {
  using R = AsHelperConfig::Registration;
  if (config_.registration == R::none) co_return oauth_error(404, "invalid_request", "registration is not offered");
  if (!take_registration_slot())
    co_return oauth_error(429, "temporarily_unavailable", "too many registrations, retry in a minute");
  auto request = check_client_metadata(body);
  if (!request.ok()) {
    const bool uri = request.error().reason == "as.redirect_uri";
    co_return oauth_error(400, uri ? "invalid_redirect_uri" : "invalid_client_metadata", request.error().message);
  }
  if (config_.registration == R::fixed) {
    for (const auto& u : request->at("redirect_uris").as_array()) {
      if (!redirect_allowed(config_.allowed_redirect_uris, u.as_string())) {
        log::info("as.registration_refused", {{"issuer", config_.idp_issuer}, {"reason", "redirect_uri not allowed"}});
        co_return oauth_error(400, "invalid_redirect_uri",
                              "redirect URI not registered for this gateway's client: " + std::string(u.as_string()));
      }
    }
    log::info("as.registration", {{"mode", "fixed"}, {"client_id", config_.client_id}});
    co_return fixed_client(*request);
  }
  std::string endpoint = config_.forward_endpoint;
  if (endpoint.empty()) {
    auto idp = co_await idp_metadata();
    if (!idp.ok()) co_return oauth_error(503, "temporarily_unavailable", "the authorization server cannot be reached");
    endpoint = idp->registration_endpoint;
    if (endpoint.empty()) {
      log::warn("as.registration_unconfigured", {{"issuer", config_.idp_issuer}});
      co_return oauth_error(503, "temporarily_unavailable",
                            "the authorization server advertises no registration endpoint (set registration.endpoint)");
    }
  }
  HttpRequest forward;
  forward.method = "POST";
  forward.url = endpoint;
  forward.headers.emplace_back("Content-Type", "application/json");
  forward.headers.emplace_back("Accept", "application/json");
  if (!config_.initial_access_token.empty())
    forward.headers.emplace_back("Authorization", "Bearer " + config_.initial_access_token);
  forward.body = json::serialize(*request);
  auto answer = co_await fetch_(std::move(forward));
  if (!answer.ok() || answer->status >= 500) {
    log::warn("as.registration_failed", {{"issuer", config_.idp_issuer},
                                         {"reason", answer.ok() ? "idp answered " + std::to_string(answer->status)
                                                                : answer.error().reason}});
    co_return oauth_error(503, "temporarily_unavailable", "the authorization server cannot register clients now");
  }
  if (answer->status == 201 || answer->status == 200) {
    boost::system::error_code ec;
    auto v = json::parse(answer->body, ec);
    const auto* id = !ec && v.is_object() ? v.as_object().if_contains("client_id") : nullptr;
    log::info("as.registration", {{"mode", "forward"}, {"client_id", id && id->is_string() ? std::string(id->as_string()) : ""}});
  } else {
    // 401/403 here usually means the initial access token is wrong or expired: the operator's
    // problem, not the client's, so it is logged (never the token itself).
    log::warn("as.registration_refused", {{"issuer", config_.idp_issuer}, {"status", static_cast<std::int64_t>(answer->status)}});
  }
  if (answer->content_type.empty()) answer->content_type = "application/json";
  co_return std::move(*answer);
}

}  // namespace gatehouse::auth
