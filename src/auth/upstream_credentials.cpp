#include "auth/upstream_credentials.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>

#include "auth/crypto_util.hpp"

namespace gatehouse::auth {
namespace {

constexpr std::string_view kExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange";
constexpr std::string_view kAccessTokenType = "urn:ietf:params:oauth:token-type:access_token";

HttpRequest token_request(const UpstreamAuthConfig& c, std::vector<std::pair<std::string, std::string>> fields) {
  if (!c.scope.empty()) fields.emplace_back("scope", c.scope);
  if (!c.resource.empty()) fields.emplace_back("resource", c.resource);
  HttpRequest req;
  req.method = "POST";
  req.url = c.token_endpoint;
  req.headers = {{"content-type", "application/x-www-form-urlencoded"}, {"accept", "application/json"},
                 {"authorization", basic_authorization(c.client_id, c.client_secret)}};
  req.body = form_body(fields);
  return req;
}

HttpRequest client_credentials_request(const UpstreamAuthConfig& c) {
  return token_request(c, {{"grant_type", "client_credentials"}});
}

HttpRequest exchange_request(const UpstreamAuthConfig& c, const std::string& subject_token) {
  std::vector<std::pair<std::string, std::string>> f{{"grant_type", std::string(kExchangeGrant)},
                                                     {"subject_token", subject_token},
                                                     {"subject_token_type", std::string(kAccessTokenType)},
                                                     {"requested_token_type", std::string(kAccessTokenType)}};
  if (!c.audience.empty()) f.emplace_back("audience", c.audience);
  return token_request(c, std::move(f));
}

// Cache key of an exchange: who, with which scopes, for which audience. Scopes are part of
// it so a narrower token never receives an exchange made for a wider one.
std::string exchange_key(const Identity& who, const UpstreamAuthConfig& c) {
  auto scopes = who.scopes;
  std::sort(scopes.begin(), scopes.end());
  std::string material = who.principal_key();
  for (const auto& s : scopes) material += '\0' + s;
  material += '\1' + c.audience + '\1' + c.resource;
  return sha256(material);
}

UpstreamHeader bearer(const std::string& token) { return UpstreamHeader{"authorization", "Bearer " + token}; }

}  // namespace

Result<TokenResponse> parse_token_response(std::string_view body, std::int64_t now) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return fail(Errc::unavailable, "token endpoint answer is not JSON", "upstream_auth.invalid");
  const auto& o = v.as_object();
  TokenResponse t;
  auto at = o.find("access_token");
  if (at == o.end() || !at->value().is_string() || at->value().as_string().empty())
    return fail(Errc::unavailable, "token endpoint answer lacks access_token", "upstream_auth.invalid");
  t.access_token = std::string(at->value().as_string());
  if (auto tt = o.find("token_type"); tt != o.end() && tt->value().is_string()) t.token_type = std::string(tt->value().as_string());
  std::string lower = t.token_type;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower != "bearer") return fail(Errc::unavailable, "token endpoint issued a non-bearer token", "upstream_auth.invalid");
  if (auto ei = o.find("expires_in"); ei != o.end() && ei->value().is_number()) {
    double secs = ei->value().to_number<double>(ec);
    if (!ec && secs > 0) t.expires_at = now + static_cast<std::int64_t>(secs);
  }
  // Bearer tokens go into a header: nothing that could split it.
  for (char c : t.access_token)
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f)
      return fail(Errc::unavailable, "token endpoint issued an unusable token", "upstream_auth.invalid");
  return t;
}

UpstreamCredentials::UpstreamCredentials(HttpFetch fetch, UpstreamAuthConfig config)
    : fetch_(std::move(fetch)), config_(std::move(config)) {}

std::optional<std::string> UpstreamCredentials::cached(const std::string& key, std::int64_t now) {
  std::lock_guard lock(mutex_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  if (now >= it->second.renew_at) {
    cache_.erase(it);
    return std::nullopt;
  }
  return it->second.token;
}

void UpstreamCredentials::remember(std::string key, const TokenResponse& t, std::int64_t cap, std::int64_t now) {
  std::int64_t until = t.expires_at > 0 ? t.expires_at - config_.refresh_margin.count() : now + 60;
  if (cap > 0) until = std::min(until, cap);
  if (until <= now) return;
  std::lock_guard lock(mutex_);
  if (cache_.size() >= config_.cache_entries) {
    for (auto it = cache_.begin(); it != cache_.end();)
      it = it->second.renew_at <= now ? cache_.erase(it) : std::next(it);
    if (cache_.size() >= config_.cache_entries) cache_.erase(cache_.begin());
  }
  cache_[std::move(key)] = Cached{t.access_token, until};
}

boost::asio::awaitable<Result<TokenResponse>> UpstreamCredentials::request(HttpRequest req) {
  ++requests_;
  auto res = co_await fetch_(std::move(req));
  if (!res) co_return fail(Errc::unavailable, "token endpoint unreachable", "upstream_auth.unavailable");
  if (res->status == 400 || res->status == 401 || res->status == 403)
    co_return fail(Errc::forbidden, "authorization server refused the upstream credential", "upstream_auth.denied");
  if (res->status != 200)
    co_return fail(Errc::unavailable, "token endpoint answered " + std::to_string(res->status), "upstream_auth.unavailable");
  co_return parse_token_response(res->body, 0);
}

boost::asio::awaitable<Result<std::optional<UpstreamHeader>>> UpstreamCredentials::header_for(
    const Identity& caller, std::string client_token, std::int64_t now) {
  using Out = std::optional<UpstreamHeader>;
  switch (config_.kind) {
    case UpstreamAuthKind::none:
      co_return Out{};
    case UpstreamAuthKind::passthrough:
      if (client_token.empty()) co_return Out{};
      co_return Out{bearer(client_token)};
    case UpstreamAuthKind::static_header:
      co_return Out{UpstreamHeader{config_.header_name, config_.header_value}};
    case UpstreamAuthKind::client_credentials: {
      const std::string key = "cc";
      if (auto hit = cached(key, now)) co_return Out{bearer(*hit)};
      auto t = co_await request(client_credentials_request(config_));
      if (!t) co_return t.propagate();
      if (t->expires_at > 0) t->expires_at += now;  // parsed relative to 0
      remember(key, *t, 0, now);
      co_return Out{bearer(t->access_token)};
    }
    case UpstreamAuthKind::token_exchange: {
      if (client_token.empty())
        co_return fail(Errc::forbidden, "token exchange needs the caller's token", "upstream_auth.denied");
      std::string key = exchange_key(caller, config_);
      if (auto hit = cached(key, now)) co_return Out{bearer(*hit)};
      auto t = co_await request(exchange_request(config_, client_token));
      if (!t) co_return t.propagate();
      if (t->expires_at > 0) t->expires_at += now;
      // Never longer than the caller's own credential.
      remember(std::move(key), *t, caller.expires_at, now);
      co_return Out{bearer(t->access_token)};
    }
  }
  co_return Out{};
}

}  // namespace gatehouse::auth
