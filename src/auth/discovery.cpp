#include "auth/discovery.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

namespace gatehouse::auth {
namespace {

std::string str(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
}

}  // namespace

Result<std::vector<std::string>> metadata_urls(std::string_view issuer) {
  auto url = boost::urls::parse_absolute_uri(issuer);
  if (!url || (url->scheme() != "https" && url->scheme() != "http") || url->has_query() || url->has_fragment())
    return fail(Errc::invalid_config, "issuer must be an http(s) URL without query or fragment");
  std::string origin = std::string(url->scheme()) + "://" + std::string(url->encoded_authority());
  std::string path(url->encoded_path());
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.empty())
    return std::vector<std::string>{origin + "/.well-known/openid-configuration",
                                    origin + "/.well-known/oauth-authorization-server"};
  return std::vector<std::string>{origin + path + "/.well-known/openid-configuration",
                                  origin + "/.well-known/openid-configuration" + path,
                                  origin + "/.well-known/oauth-authorization-server" + path};
}

Result<AuthServerMetadata> parse_as_metadata(std::string_view body, std::string_view expected_issuer) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return fail(Errc::unavailable, "authorization server metadata is not a JSON object", "discovery.invalid");
  AuthServerMetadata m;
  m.raw = std::move(v.as_object());
  m.issuer = str(m.raw, "issuer");
  if (m.issuer != expected_issuer)
    return fail(Errc::unavailable, "authorization server metadata names another issuer", "discovery.issuer_mismatch");
  m.jwks_uri = str(m.raw, "jwks_uri");
  m.token_endpoint = str(m.raw, "token_endpoint");
  m.introspection_endpoint = str(m.raw, "introspection_endpoint");
  m.registration_endpoint = str(m.raw, "registration_endpoint");
  m.authorization_endpoint = str(m.raw, "authorization_endpoint");
  return m;
}

boost::asio::awaitable<Result<AuthServerMetadata>> discover(const HttpFetch& fetch, std::string issuer) {
  auto urls = metadata_urls(issuer);
  if (!urls) co_return urls.propagate();
  Error last(Errc::unavailable, "no authorization server metadata found", "discovery.failed");
  for (const auto& url : *urls) {
    auto res = co_await fetch(get_json(url));
    if (!res) {
      last = res.error();
      continue;
    }
    if (res->status != 200) continue;
    auto meta = parse_as_metadata(res->body, issuer);
    if (meta) co_return meta;
    last = meta.error();
  }
  co_return fail(std::move(last));
}

}  // namespace gatehouse::auth
