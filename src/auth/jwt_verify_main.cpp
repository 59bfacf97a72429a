// gatehouse-jwt-verify: the auth library from the command line, for integration tests that
// mint tokens with real peers (npm jose, oidc-provider). Prints the identity JSON, or
// {"error": reason, "message": ...}, one line per token.
//
//   gatehouse-jwt-verify (--jwks FILE | --jwks-url URL | --discover) --iss ISS --aud AUD...
//       [--alg RS256,ES256...] [--at-jwt] [--require CLAIM]... [--roles PATH]... [--groups PATH]...
//       [--leeway S] [--now UNIX] [--min-refetch-ms N] [--no-cache]
//       [--upstream client_credentials|token_exchange --token-endpoint URL --client-id ID
//        --client-secret S [--upstream-audience A] [--upstream-resource R] [--upstream-scope S]]
//       (--token T | --token-file F | --stdin)
// With --upstream, an accepted token also gets {"upstream": {"name","value"}} (or
// "upstream_error"): the credential the gateway would present to the upstream.
//   --introspect URL --introspect-client ID:SECRET: opaque tokens through RFC 7662 (with or
//       without a JWT key source; JWT-shaped tokens go to the JWT path when one is given).
//   The tokens go through RouteAuthenticator (the authn stage's API), resource = first --aud;
//   a rejection also prints "status" and "www_authenticate".
//   gatehouse-jwt-verify --prm RESOURCE --as ISSUER [--scopes a,b]
//       prints the resource-server answers: {"metadata": RFC 9728 document, "path_suffixed",
//       "root", "metadata_url", "challenge_401", "challenge_401_invalid", "challenge_403"}.
// Exit: 0 accepted (or --stdin finished), 1 rejected, 2 usage or configuration error.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "auth/beast_fetch.hpp"
#include "auth/route_authenticator.hpp"
#include "auth/resource_server.hpp"
#include "auth/upstream_credentials.hpp"

namespace {

using namespace gatehouse;
using namespace gatehouse::auth;
namespace asio = boost::asio;

int usage(const std::string& why) {
  std::cerr << "gatehouse-jwt-verify: " << why << "\n";
  return 2;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

asio::awaitable<void> verify_one(const RouteAuthenticator& auth, UpstreamCredentials* upstream, std::string token,
                                 std::int64_t now, int& rc) {
  auto r = co_await auth.authenticate("Bearer " + token, "", now);
  boost::json::object out;
  if (r.ok()) {
    out = r.identity->to_json();
    rc = 0;
    if (upstream) {
      auto h = co_await upstream->header_for(*r.identity, r.token, now);
      if (!h) out["upstream_error"] = log_reason(h.error());
      else if (*h) out["upstream"] = {{"name", (*h)->name}, {"value", (*h)->value}};
      out["upstream_requests"] = upstream->token_requests();
    }
  } else {
    const auto& c = *r.challenge;
    out["error"] = c.reason;
    out["code"] = c.status == 401 ? "unauthenticated" : c.status == 403 ? "forbidden" : "unavailable";
    out["status"] = c.status;
    out["www_authenticate"] = c.www_authenticate;
    out["message"] = c.message;
    rc = 1;
  }
  std::cout << boost::json::serialize(out) << std::endl;
}

int print_resource_server(const ProtectedResource& pr) {
  auto paths = well_known_paths(pr.resource);
  auto url = metadata_url(pr.resource);
  if (!paths || !url) return usage("bad --prm resource URL");
  boost::json::object out;
  out["metadata"] = boost::json::parse(protected_resource_metadata(pr));
  out["path_suffixed"] = paths->path_suffixed;
  out["root"] = paths->root;
  out["metadata_url"] = *url;
  out["challenge_401"] = www_authenticate_401(*url, pr.scopes_supported);
  out["challenge_401_invalid"] = www_authenticate_401(*url, pr.scopes_supported, "invalid_token", "token rejected");
  out["challenge_403"] = www_authenticate_403(*url, pr.scopes_supported);
  std::cout << boost::json::serialize(out) << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string jwks_file, jwks_url, token, token_file, introspect_url, introspect_client;
  bool discover = false, from_stdin = false, no_cache = false;
  std::optional<std::int64_t> now;
  long min_refetch_ms = 30000;
  ValidatorConfig cfg;
  UpstreamAuthConfig up;
  ProtectedResource prm;
  bool roles_set = false, groups_set = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value for " + a);
      return argv[++i];
    };
    try {
      if (a == "--jwks") jwks_file = next();
      else if (a == "--jwks-url") jwks_url = next();
      else if (a == "--discover") discover = true;
      else if (a == "--iss") cfg.issuer = next();
      else if (a == "--aud") cfg.audiences.push_back(next());
      else if (a == "--alg") {
        for (const auto& name : split_commas(next())) {
          auto alg = parse_alg(name);
          if (!alg) return usage("unsupported algorithm " + name);
          cfg.algorithms.push_back(*alg);
        }
      } else if (a == "--at-jwt") cfg.require_at_jwt = true;
      else if (a == "--require") cfg.required_claims.push_back(next());
      else if (a == "--roles") {
        if (!roles_set) cfg.claim_paths.roles.clear();
        roles_set = true;
        cfg.claim_paths.roles.push_back(next());
      } else if (a == "--groups") {
        if (!groups_set) cfg.claim_paths.groups.clear();
        groups_set = true;
        cfg.claim_paths.groups.push_back(next());
      } else if (a == "--leeway") cfg.leeway = std::chrono::seconds(std::stol(next()));
      else if (a == "--now") now = std::stoll(next());
      else if (a == "--min-refetch-ms") min_refetch_ms = std::stol(next());
      else if (a == "--no-cache") no_cache = true;
      else if (a == "--upstream") {
        std::string kind = next();
        if (kind == "client_credentials") up.kind = UpstreamAuthKind::client_credentials;
        else if (kind == "token_exchange") up.kind = UpstreamAuthKind::token_exchange;
        else if (kind == "passthrough") up.kind = UpstreamAuthKind::passthrough;
        else return usage("unknown --upstream " + kind);
      } else if (a == "--token-endpoint") up.token_endpoint = next();
      else if (a == "--client-id") up.client_id = next();
      else if (a == "--client-secret") up.client_secret = next();
      else if (a == "--upstream-audience") up.audience = next();
      else if (a == "--upstream-resource") up.resource = next();
      else if (a == "--upstream-scope") up.scope = next();
      else if (a == "--introspect") introspect_url = next();
      else if (a == "--introspect-client") introspect_client = next();
      else if (a == "--prm") prm.resource = next();
      else if (a == "--as") prm.authorization_servers.push_back(next());
      else if (a == "--scopes") prm.scopes_supported = split_commas(next());
      else if (a == "--token") token = next();
      else if (a == "--token-file") token_file = next();
      else if (a == "--stdin") from_stdin = true;
      else return usage("unknown option " + a);
    } catch (const std::exception& e) {
      return usage(e.what());
    }
  }
  if (!prm.resource.empty()) return print_resource_server(prm);
  if (cfg.audiences.empty()) return usage("--aud is required (the first one is the resource URL)");
  RouteAuthConfig route;
  route.resource.resource = cfg.audiences.front();
  route.resource.authorization_servers = {cfg.issuer};
  std::shared_ptr<JwksCache> keys;
  if (!jwks_file.empty()) {
    auto text = read_file(jwks_file);
    if (!text) return usage("cannot read " + jwks_file);
    auto set = parse_jwks(*text);
    if (!set) return usage(set.error().message);
    keys = JwksCache::fixed(std::move(*set));
  } else if (!jwks_url.empty() || discover) {
    JwksCacheOptions o;
    o.jwks_uri = jwks_url;
    o.issuer = cfg.issuer;
    o.min_refetch_interval = std::chrono::milliseconds(min_refetch_ms);
    keys = std::make_shared<JwksCache>(make_beast_fetch(), o);
  }
  if (keys) {
    auto validator = Validator::create(cfg);
    if (!validator) return usage(validator.error().message);
    route.jwt.push_back(JwtProvider{std::move(*validator), keys});
  }
  if (!introspect_url.empty()) {
    IntrospectionConfig ic;
    ic.endpoint = introspect_url;
    auto colon = introspect_client.find(':');
    ic.client_id = introspect_client.substr(0, colon);
    if (colon != std::string::npos) ic.client_secret = introspect_client.substr(colon + 1);
    ic.issuer = cfg.issuer;
    ic.audiences = cfg.audiences;
    ic.claim_paths = cfg.claim_paths;
    if (no_cache) ic.cache_entries = 0;
    route.introspection = std::make_shared<Introspector>(make_beast_fetch(), ic);
  }
  if (!keys && !route.introspection) return usage("one of --jwks, --jwks-url, --discover, --introspect is required");
  auto built = RouteAuthenticator::create(std::move(route), no_cache ? nullptr : std::make_shared<TokenCache>(1000));
  if (!built) return usage(built.error().message);
  const RouteAuthenticator& auth = **built;

  std::unique_ptr<UpstreamCredentials> upstream;
  if (up.kind != UpstreamAuthKind::none) upstream = std::make_unique<UpstreamCredentials>(make_beast_fetch(), up);

  asio::io_context io;
  int rc = 2;
  auto run = [&](std::string t) {
    io.restart();
    asio::co_spawn(io, verify_one(auth, upstream.get(), std::move(t), now.value_or(unix_now()), rc), asio::detached);
    io.run();
  };
  if (from_stdin) {
    for (std::string line; std::getline(std::cin, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty()) run(line);
    }
    return 0;
  }
  if (!token_file.empty()) {
    auto text = read_file(token_file);
    if (!text) return usage("cannot read " + token_file);
    token = *text;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  }
  if (token.empty()) return usage("one of --token, --token-file, --stdin is required");
  run(token);
  return rc;
}
