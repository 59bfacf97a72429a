#include "auth/introspection.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>

namespace gatehouse::auth {
namespace {

Unexpected reject(std::string msg, std::string reason) {
  return fail(Errc::unauthenticated, std::move(msg), std::move(reason));
}

HttpRequest introspection_request(const IntrospectionConfig& config, const std::string& token) {
  HttpRequest req;
  req.method = "POST";
  req.url = config.endpoint;
  req.headers = {{"content-type", "application/x-www-form-urlencoded"}, {"accept", "application/json"}};
  if (!config.client_id.empty())
    req.headers.emplace_back("authorization", basic_authorization(config.client_id, config.client_secret));
  req.body = form_body({{"token", token}, {"token_type_hint", "access_token"}});
  return req;
}

}  // namespace

Result<Identity> parse_introspection(std::string_view body, const IntrospectionConfig& config, std::int64_t now) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return reject("introspection answer is not a JSON object", "introspection.invalid");
  auto& o = v.as_object();
  auto active = o.find("active");
  if (active == o.end() || !active->value().is_bool()) return reject("introspection answer lacks active", "introspection.invalid");
  if (!active->value().as_bool()) return reject("token is not active", "introspection.inactive");
  if (auto exp = o.find("exp"); exp != o.end()) {
    if (!exp->value().is_number()) return reject("introspection exp is not a number", "introspection.invalid");
    if (now >= exp->value().to_number<double>(ec)) return reject("token expired", "jwt.expired");
  }
  if (!config.issuer.empty()) {
    if (auto iss = o.find("iss"); iss != o.end() && (!iss->value().is_string() || iss->value().as_string() != config.issuer))
      return reject("token issuer not accepted", "jwt.bad_issuer");
  }
  if (!config.audiences.empty()) {
    bool ok = false;
    auto check = [&](const boost::json::value& a) {
      if (a.is_string() && std::find(config.audiences.begin(), config.audiences.end(), a.as_string()) != config.audiences.end())
        ok = true;
    };
    if (auto aud = o.find("aud"); aud != o.end()) {
      if (aud->value().is_array())
        for (const auto& a : aud->value().as_array()) check(a);
      else
        check(aud->value());
    }
    if (!ok) return reject("token audience not accepted", "jwt.bad_audience");
  }
  auto id = identity_from_claims(std::move(o), config.claim_paths, "introspection");
  if (id.issuer.empty()) id.issuer = config.issuer;
  return id;
}

Introspector::Introspector(HttpFetch fetch, IntrospectionConfig config)
    : fetch_(std::move(fetch)), config_(std::move(config)), cache_(config_.cache_entries) {}

boost::asio::awaitable<Result<std::shared_ptr<const Identity>>> Introspector::introspect(std::string token,
                                                                                          std::int64_t now) {
  if (auto hit = cache_.find(token, now)) co_return hit;
  ++calls_;
  auto res = co_await fetch_(introspection_request(config_, token));
  if (!res) co_return fail(Errc::unavailable, "introspection endpoint unreachable", "introspection.unavailable");
  if (res->status != 200)
    co_return fail(Errc::unavailable, "introspection answered " + std::to_string(res->status), "introspection.unavailable");
  auto id = parse_introspection(res->body, config_, now);
  if (!id) co_return id.propagate();
  std::int64_t until = now + config_.cache_ttl.count();
  if (id->expires_at > 0) until = std::min(until, id->expires_at);
  auto shared = std::make_shared<const Identity>(std::move(*id));
  cache_.insert(token, shared, until);
  co_return shared;
}

}  // namespace gatehouse::auth
