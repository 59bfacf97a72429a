// The RFC 7662 client half of introspection.hpp (coroutine; the parser is introspection.cpp).
#include <algorithm>

#include "auth/introspection.hpp"

namespace gatehouse::auth {
namespace {

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
  auto shared = share_identity(std::move(*id));
  cache_.insert(token, shared, until);
  co_return shared;
}

}  // namespace gatehouse::auth
