#include "policy/authn_stage.hpp"

#include "core/log.hpp"
#include "policy/responses.hpp"

namespace gatehouse::policy {

namespace {
constexpr int kUnauthorizedCode = -32001;  // JSON-RPC server-defined range

std::string header_value(const net::Request& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string{} : std::string(it->value());
}

// The metric's provider label for a refusal, from the reason's prefix (jwt.expired,
// apikey.unknown, introspection.inactive...); "none" when no credential was presented.
std::string provider_of_reason(std::string_view reason) {
  const auto kind = reason.substr(0, reason.find('.'));
  if (kind == "jwt" || kind == "introspection") return std::string(kind);
  if (kind == "apikey") return "api_key";
  if (kind == "jwtsvid") return "jwt-svid";
  return "none";
}
}  // namespace

const AuthnRoute* AuthnStage::route_for(std::string_view path) const {
  for (const auto& r : routes_)
    if (r.route_path == path) return &r;
  return nullptr;
}

boost::asio::awaitable<gateway::Decision> AuthnStage::apply(gateway::PolicyRequest& request) {
  const AuthnRoute* route = route_for(request.route_path);
  if (!route) co_return gateway::Decision::proceed_with();
  std::string authorization = header_value(request.http, "Authorization");
  std::string api_key = header_value(request.http, "X-API-Key");
  if (authorization.empty() && api_key.empty() && !route->required) co_return gateway::Decision::proceed_with();

  auto result = co_await route->authenticator->authenticate(std::move(authorization), std::move(api_key),
                                                            auth::unix_now());
  if (!result.ok()) {
    const auth::Challenge& c = *result.challenge;
    // The reason (jwt.expired, apikey.unknown...) goes to the log; the client gets only what
    // RFC 6750 asks for.
    log::info("authn.rejected", {{"route", request.route_path}, {"status", c.status}, {"reason", c.reason}});
    request.authn_outcome = c.status == 403 ? "insufficient_scope" : (request.http.count("Authorization") || request.http.count("X-API-Key")) ? "invalid" : "missing";
    request.authn_provider = provider_of_reason(c.reason);
    request.decision = "deny";
    request.decision_rule = "authn";
    request.decision_reason = c.reason;
    std::vector<std::pair<std::string, std::string>> headers;
    if (!c.www_authenticate.empty()) headers.emplace_back("WWW-Authenticate", c.www_authenticate);
    co_return gateway::Decision::respond_now(error_response(static_cast<unsigned>(c.status), kUnauthorizedCode,
                                                            c.message, headers, request.http.version()));
  }
  request.principal = result.identity->principal_key();
  request.subject = result.identity->subject;
  request.identity = result.identity;
  request.authn_outcome = "ok";
  request.authn_provider = result.identity->method;
  co_return gateway::Decision::proceed_with();
}

}  // namespace gatehouse::policy
