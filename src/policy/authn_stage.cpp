#include "policy/authn_stage.hpp"

#include "auth/resource_server.hpp"
#include "core/log.hpp"
#include "policy/responses.hpp"

namespace gatehouse::policy {

namespace {

constexpr int kUnauthorizedCode = -32001;  // JSON-RPC server-defined range

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

// A presented key is an API key when it came in X-API-Key, or is not JWT-shaped (a JWS has
// exactly two dots), so one Authorization header serves both kinds of client.
bool looks_like_jwt(std::string_view token) { return std::count(token.begin(), token.end(), '.') == 2; }

}  // namespace

const AuthnRoute* AuthnStage::route_for(std::string_view path) const {
  for (const auto& r : routes_)
    if (r.route_path == path) return &r;
  return nullptr;
}

boost::asio::awaitable<gateway::Decision> AuthnStage::apply(gateway::PolicyRequest& request) {
  const AuthnRoute* route = route_for(request.route_path);
  if (!route) co_return gateway::Decision::proceed_with();
  const auto version = request.http.version();
  auto unauthorized = [&](std::string_view error, std::string_view description) {
    auto challenge = auth::www_authenticate_401(route->metadata_url, route->scopes, error, description);
    return gateway::Decision::respond_now(error_response(401, kUnauthorizedCode,
                                                         description.empty() ? "authentication required" : description,
                                                         {{"WWW-Authenticate", challenge}}, version));
  };

  std::string_view presented;
  bool from_api_key_header = false;
  if (auto it = request.http.find("X-API-Key"); it != request.http.end()) {
    presented = it->value();
    from_api_key_header = true;
  } else if (auto auth_header = request.http.find(boost::beast::http::field::authorization);
             auth_header != request.http.end()) {
    auto token = auth::bearer_token(auth_header->value());
    if (!token) co_return unauthorized("invalid_request", "malformed Authorization header");
    presented = *token;
  }
  if (presented.empty()) {
    if (!route->required) co_return gateway::Decision::proceed_with();
    co_return unauthorized({}, {});
  }

  Result<std::shared_ptr<const auth::Identity>> identity = fail(Errc::unauthenticated, "no method accepts this credential", "authn.no_method");
  if (!from_api_key_header && looks_like_jwt(presented) && route->jwt) {
    identity = co_await route->jwt->authenticate(presented, auth::unix_now());
  } else if (route->api_keys) {
    auto key_identity = route->api_keys->authenticate(presented);
    if (key_identity) identity = std::make_shared<const auth::Identity>(std::move(*key_identity));
    else identity = key_identity.propagate();
  }
  if (!identity) {
    // The reason (jwt.expired, apikey.unknown...) is logged; the client learns only that the
    // token is not valid, which is all RFC 6750 asks and all an attacker should get.
    log::info("authn.rejected", {{"route", request.route_path}, {"reason", log_reason(identity.error())}});
    co_return unauthorized("invalid_token", "the access token is not valid");
  }
  auto missing = (*identity)->missing_scopes(route->scopes);
  if (!missing.empty()) {
    auto challenge = auth::www_authenticate_403(route->metadata_url, route->scopes, "needs scope " + join(missing));
    co_return gateway::Decision::respond_now(error_response(403, kUnauthorizedCode, "insufficient scope: needs " + join(missing),
                                                            {{"WWW-Authenticate", challenge}}, version));
  }
  request.principal = (*identity)->principal_key();
  request.identity = *identity;
  co_return gateway::Decision::proceed_with();
}

}  // namespace gatehouse::policy
