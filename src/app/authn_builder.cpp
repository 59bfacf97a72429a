#include "app/authn_builder.hpp"

#include <fstream>
#include <sstream>

#include "app/as_helper_endpoints.hpp"
#include "auth/beast_fetch.hpp"
#include "auth/jwk.hpp"
#include "auth/jwks_cache.hpp"
#include "auth/jws_verify.hpp"
#include "auth/jwt_svid.hpp"
#include "spiffe/workload_api_client.hpp"

namespace gatehouse::app {

namespace {

Unexpected route_error(const config::Route& route, const std::string& message) {
  return fail(Errc::invalid_config, route.pos.file + ":" + std::to_string(route.pos.line) + ":" +
                                        std::to_string(route.pos.column) + ": routes." + route.name + ".auth: " + message);
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::invalid_config, "cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<auth::JwtProvider> jwt_provider(const config::ProviderSpec& p, const std::string& default_audience,
                                       const auth::HttpFetch& fetch, boost::asio::any_io_executor background) {
  auth::ValidatorConfig vc;
  vc.issuer = p.issuer;
  vc.audiences = {p.audience.empty() ? default_audience : p.audience};
  for (const auto& name : p.algorithms) {
    auto alg = auth::parse_alg(name);
    if (!alg) return fail(Errc::invalid_config, "provider " + p.name + ": unsupported algorithm " + name);
    vc.algorithms.push_back(*alg);
  }
  vc.leeway = std::chrono::duration_cast<std::chrono::seconds>(p.clock_skew);
  vc.require_at_jwt = p.require_typ == "at+jwt" || p.require_typ == "application/at+jwt";
  vc.claim_paths.roles = {p.claims.roles};
  vc.claim_paths.groups = {p.claims.groups};
  auto validator = auth::Validator::create(vc);
  if (!validator) return fail(Errc::invalid_config, "provider " + p.name + ": " + validator.error().message);

  std::shared_ptr<auth::JwksCache> keys;
  if (!p.jwks_file.empty()) {
    auto text = read_file(p.jwks_file);
    if (!text) return text.propagate();
    auto set = auth::parse_jwks(*text);
    if (!set) return fail(Errc::invalid_config, "provider " + p.name + ": jwks_file: " + set.error().message);
    keys = auth::JwksCache::fixed(std::move(*set));
  } else {
    auth::JwksCacheOptions options;
    options.jwks_uri = p.jwks_url;
    options.issuer = p.issuer;
    keys = std::make_shared<auth::JwksCache>(fetch, options);
    keys->start_background_refresh(background);
  }
  return auth::JwtProvider{std::move(*validator), std::move(keys)};
}

// The Workload API's FetchJWTBundles snapshots, pushed into an auth::JwtBundleSource. The client
// is the process-wide one (shared with workload_api listeners); until its first JWT bundles
// arrive, SVIDs are refused (jwtsvid.no_bundle) rather than the gateway waiting here.
Result<std::shared_ptr<const auth::JwtBundleSource>> workload_api_bundles(const config::Config& config) {
  if (!config.spiffe || !config.spiffe->workload_api)
    return fail(Errc::invalid_config, "spiffe.bundle: workload_api needs the top-level spiffe.workload_api section");
  GH_TRY(auto client, spiffe::WorkloadApiClient::shared(spiffe::ClientOptions{config.spiffe->workload_api->socket}));
  auto source = std::make_shared<auth::PushedJwtBundleSource>();
  std::weak_ptr<auth::PushedJwtBundleSource> weak = source;
  auto subscription = client->subscribe_jwt_bundles([weak](const std::shared_ptr<const spiffe::JwtBundles>& bundles) {
    if (auto s = weak.lock(); s && bundles) s->update(bundles->jwks);
  });
  // The process-wide registry holds clients weakly: the source keeps its client (and so its
  // streams) alive. Pair order: the subscription goes first, then the client.
  source->hold(std::make_shared<std::pair<std::shared_ptr<spiffe::WorkloadApiClient>, spiffe::Subscription>>(
      client, std::move(subscription)));
  return std::shared_ptr<const auth::JwtBundleSource>(std::move(source));
}

// Bundle files are re-read when they change (auth::FileJwtBundleSource).
Result<auth::JwtSvidProvider> jwt_svid_provider(const config::Config& config, const config::ProviderSpec& p,
                                                const std::vector<std::string>& scopes) {
  auth::JwtSvidConfig c;
  c.trust_domain = p.spiffe.trust_domain;
  c.audience = p.spiffe.audience;
  c.leeway = std::chrono::duration_cast<std::chrono::seconds>(p.clock_skew);
  c.scopes = scopes;  // like an API key, an SVID minted for this audience gets the route's scopes
  auto validator = auth::JwtSvidValidator::create(c);
  if (!validator) return fail(Errc::invalid_config, "provider " + p.name + ": " + validator.error().message);
  if (p.spiffe.bundle == config::SpiffeProviderSpec::Bundle::workload_api) {
    auto source = workload_api_bundles(config);
    if (!source) return fail(Errc::invalid_config, "provider " + p.name + ": " + source.error().message);
    return auth::JwtSvidProvider{std::move(*validator), std::move(*source)};
  }
  auto source = auth::FileJwtBundleSource::create(c.trust_domain, p.spiffe.bundle_file);
  if (!source)
    return fail(Errc::invalid_config, "provider " + p.name + ": spiffe.bundle_file: " + source.error().message);
  return auth::JwtSvidProvider{std::move(*validator), std::move(*source)};
}

}  // namespace

std::string route_public_url(const config::Config& config, const config::Route& route) {
  if (!route.public_url.empty()) return route.public_url;
  for (const auto& l : config.listeners) {
    if (l.name != route.listener) continue;
    std::string host = l.address;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    return std::string(l.tls ? "https" : "http") + "://" + host + ":" + std::to_string(l.port) + route.path;
  }
  return "http://127.0.0.1" + route.path;
}

Result<AuthnBuild> build_authn(const config::Config& config, std::shared_ptr<auth::TokenCache> cache,
                               boost::asio::any_io_executor background) {
  AuthnBuild out;
  std::vector<policy::AuthnRoute> routes;
  auto fetch = auth::make_beast_fetch();
  for (const auto& route : config.routes) {
    if (!route.auth) continue;
    const auto& spec = *route.auth;
    auth::RouteAuthConfig rc;
    rc.resource.resource = route_public_url(config, route);
    rc.required_scopes = spec.scopes;
    rc.resource.scopes_supported = spec.scopes;
    std::vector<auth::ApiKeyEntry> keys;
    for (const auto& p : spec.providers) {
      if (p.kind == config::ProviderSpec::Kind::api_keys) {
        for (const auto& k : p.api_keys) {
          auth::ApiKeyEntry e;
          e.sha256_hex = k.sha256;
          e.subject = k.name;
          e.client_id = k.name;
          e.roles = k.roles;
          e.scopes = spec.scopes;  // a key is issued for the route it is configured on
          keys.push_back(std::move(e));
        }
        continue;
      }
      if (p.kind == config::ProviderSpec::Kind::jwt_svid) {
        auto provider = jwt_svid_provider(config, p, spec.scopes);
        if (!provider) return route_error(route, provider.error().message);
        rc.jwt_svid.push_back(std::move(*provider));
        continue;
      }
      auto provider = jwt_provider(p, rc.resource.resource, fetch, background);
      if (!provider) return route_error(route, provider.error().message);
      const auto& helper = spec.authorization_server;
      if (helper && (helper->provider.empty() || helper->provider == p.name)) {
        // Clients are sent to the gateway's helper, which fronts this IdP.
        auto built = build_as_helper(route, *helper, p.issuer, rc.resource.resource, fetch);
        rc.resource.authorization_servers.push_back(built.issuer);
        for (auto& e : built.endpoints) out.endpoints.push_back(std::move(e));
      } else {
        rc.resource.authorization_servers.push_back(p.issuer);
      }
      rc.jwt.push_back(std::move(*provider));
    }
    if (!keys.empty()) {
      auto store = auth::ApiKeyStore::create(std::move(keys));
      if (!store) return route_error(route, store.error().message);
      rc.api_keys = std::make_shared<const auth::ApiKeyStore>(std::move(*store));
    }
    auto authenticator = auth::RouteAuthenticator::create(std::move(rc), cache);
    if (!authenticator) return route_error(route, authenticator.error().message);
    const auto& paths = (*authenticator)->well_known_paths();
    auto doc = (*authenticator)->metadata_for_path(paths.path_suffixed);
    if (doc) {
      out.documents.push_back({paths.path_suffixed, *doc});
      if (paths.root != paths.path_suffixed) out.documents.push_back({paths.root, *doc});
    }
    routes.push_back({route.path, spec.required, *authenticator});
  }
  if (!routes.empty()) out.stage = std::make_unique<policy::AuthnStage>(std::move(routes));
  return out;
}

}  // namespace gatehouse::app
