#include "app/as_helper_endpoints.hpp"

#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <memory>

#include "auth/as_helper.hpp"

namespace gatehouse::app {

namespace http = boost::beast::http;
namespace asio = boost::asio;

namespace {

std::string origin_of(const std::string& url) {
  auto u = boost::urls::parse_uri(url);
  if (!u) return {};
  return std::string(u->scheme()) + "://" + std::string(u->encoded_authority());
}

// Public documents and a public registration endpoint: any web client may call them, and
// no credentials are involved (so "*" is safe).
void allow_any_origin(net::Response& res) { res.set(http::field::access_control_allow_origin, "*"); }

asio::awaitable<void> answer(net::Exchange& ex, const auth::HttpResponse& r, bool cacheable) {
  net::Response res{static_cast<http::status>(r.status), ex.request().version()};
  res.set(http::field::content_type, r.content_type.empty() ? "application/json" : r.content_type);
  res.set(http::field::cache_control, cacheable && r.status == 200 ? "max-age=300" : "no-store");
  if (r.status == 429) res.set(http::field::retry_after, "60");
  allow_any_origin(res);
  res.body() = r.body;
  res.prepare_payload();
  co_await ex.respond(std::move(res));
}

asio::awaitable<void> refuse_method(net::Exchange& ex, const char* allow) {
  const auto& req = ex.request();
  const bool preflight = req.method() == http::verb::options;
  net::Response res{preflight ? http::status::no_content : http::status::method_not_allowed, req.version()};
  res.set(http::field::allow, std::string(allow) + ", OPTIONS");
  allow_any_origin(res);
  if (preflight) {
    res.set(http::field::access_control_allow_methods, std::string(allow) + ", OPTIONS");
    res.set(http::field::access_control_allow_headers, "Content-Type, Accept");
    res.set(http::field::access_control_max_age, "600");
  }
  res.prepare_payload();
  co_await ex.respond(std::move(res));
}

}  // namespace

AsHelperEndpoints build_as_helper(const config::Route& route, const config::AsHelperSpec& spec,
                                  const std::string& idp_issuer, const std::string& public_url,
                                  const auth::HttpFetch& fetch) {
  std::string path = route.path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path == "/") path.clear();
  const std::string local = "/oauth" + path;  // the helper's path on this gateway

  using R = config::AsHelperSpec::Registration;
  auth::AsHelperConfig c;
  c.idp_issuer = idp_issuer;
  c.issuer = origin_of(public_url) + local;
  if (spec.registration != R::none) c.registration_url = c.issuer + "/register";
  c.overlay.add_pkce_s256 = spec.add_pkce_s256;
  c.overlay.add_token_auth_none = spec.add_token_auth_none;
  c.overlay.scopes_supported = spec.scopes_supported;
  c.registration = spec.registration == R::forward ? auth::AsHelperConfig::Registration::forward
                   : spec.registration == R::fixed ? auth::AsHelperConfig::Registration::fixed
                                                   : auth::AsHelperConfig::Registration::none;
  c.forward_endpoint = spec.registration_endpoint;
  c.initial_access_token = spec.initial_access_token;
  c.client_id = spec.client_id;
  c.allowed_redirect_uris = spec.redirect_uris;
  c.registrations_per_minute = spec.registrations_per_minute;
  auto helper = std::make_shared<auth::AsHelper>(std::move(c), fetch);

  AsHelperEndpoints out;
  out.issuer = helper->config().issuer;
  net::Handler metadata = [helper](net::Exchange& ex) -> asio::awaitable<void> {
    const auto m = ex.request().method();
    if (m != http::verb::get && m != http::verb::head) co_return co_await refuse_method(ex, "GET, HEAD");
    co_await answer(ex, co_await helper->metadata(), true);
  };
  // The URLs an MCP client derives from an issuer with a path (RFC 8414 §3.1 insertion
  // first, then OpenID Connect insertion and appending), all answered the same.
  for (const std::string& p : {"/.well-known/oauth-authorization-server" + local,
                               "/.well-known/openid-configuration" + local, local + "/.well-known/openid-configuration"})
    out.endpoints.push_back({p, metadata});
  if (spec.registration != R::none) {
    out.endpoints.push_back({local + "/register", [helper](net::Exchange& ex) -> asio::awaitable<void> {
                               if (ex.request().method() != http::verb::post) co_return co_await refuse_method(ex, "POST");
                               co_await answer(ex, co_await helper->register_client(ex.request().body()), false);
                             }});
  }
  return out;
}

}  // namespace gatehouse::app
