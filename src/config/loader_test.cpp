#include "config/loader.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

namespace gatehouse::config {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Result<Config> load(std::string_view yaml, std::map<std::string, std::string> vars = {}) {
  return load_string(yaml, "/etc/gh/gw.yaml", env_of(std::move(vars)));
}

// The error text for a file that must be rejected.
std::string errors(std::string_view yaml, std::map<std::string, std::string> vars = {}) {
  auto r = load(yaml, std::move(vars));
  if (r) return "<accepted>";
  EXPECT_EQ(r.error().code, Errc::invalid_config);
  return r.error().message;
}

constexpr std::string_view kMinimal = R"(listeners:
  - name: main
    port: 8080
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
backends:
  - name: tools
    targets:
      - name: echo
        http: { url: http://127.0.0.1:9101/mcp }
)";

TEST(LoaderTest, MinimalConfigGetsDefaults) {
  auto r = load(kMinimal);
  ASSERT_TRUE(r) << r.error().message;
  const Config& c = *r;
  EXPECT_EQ(c.source, "/etc/gh/gw.yaml");
  EXPECT_EQ(c.base_dir, "/etc/gh");
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].address, "127.0.0.1");
  EXPECT_EQ(c.listeners[0].port, 8080);
  EXPECT_EQ(c.listeners[0].pos.line, 2);
  EXPECT_EQ(c.routes[0].path, "/mcp");
  EXPECT_FALSE(c.routes[0].auth);
  EXPECT_FALSE(c.routes[0].policy);
  EXPECT_EQ(c.backends[0].prefix, PrefixMode::automatic);
  EXPECT_EQ(c.backends[0].failure, FailureMode::open);
  EXPECT_EQ(c.backends[0].targets[0].timeout, std::chrono::seconds(30));
  EXPECT_EQ(std::get<HttpTarget>(c.backends[0].targets[0].transport).url, "http://127.0.0.1:9101/mcp");
  EXPECT_TRUE(c.sessions.key.empty());
  EXPECT_EQ(c.sessions.ttl, std::chrono::hours(24));
  EXPECT_FALSE(c.admin);
  EXPECT_FALSE(c.redis);
  EXPECT_EQ(c.limits.max_body, 4u * 1024 * 1024);
  EXPECT_EQ(c.log.level, Log::Level::info);
  EXPECT_EQ(c.find_backend("tools"), &c.backends[0]);
  EXPECT_EQ(c.find_listener("nope"), nullptr);
}

TEST(LoaderTest, ReferenceExampleLoadsWithEveryField) {
  std::string path = std::string(GATEHOUSE_SOURCE_DIR) + "/examples/config-reference.yaml";
  ::unsetenv("GATEHOUSE_SESSION_KEY");
  auto r = load_file(path);
  ASSERT_TRUE(r) << r.error().message;
  const Config& c = *r;
  std::string dir = std::string(GATEHOUSE_SOURCE_DIR) + "/examples";
  ASSERT_TRUE(c.listeners[0].tls);
  EXPECT_EQ(c.listeners[0].tls->cert, dir + "/path.pem");
  EXPECT_EQ(c.listeners[0].tls->client_ca, dir + "/ca.pem");
  const Route& route = c.routes[0];
  EXPECT_EQ(route.public_url, "http://127.0.0.1:8080/mcp");
  ASSERT_TRUE(route.auth);
  EXPECT_EQ(route.auth->scopes, std::vector<std::string>{"mcp:tools"});
  ASSERT_EQ(route.auth->providers.size(), 3u);
  const ProviderSpec& idp = route.auth->providers[0];
  EXPECT_EQ(idp.kind, ProviderSpec::Kind::jwt);
  EXPECT_EQ(idp.issuer, "http://127.0.0.1:4444");
  EXPECT_EQ(idp.algorithms, (std::vector<std::string>{"RS256", "ES256"}));
  EXPECT_EQ(idp.clock_skew, std::chrono::seconds(60));
  EXPECT_EQ(idp.claims.scopes, "scope");
  const ProviderSpec& keys = route.auth->providers[1];
  EXPECT_EQ(keys.kind, ProviderSpec::Kind::api_keys);
  ASSERT_EQ(keys.api_keys.size(), 1u);
  EXPECT_EQ(keys.api_keys[0].name, "ci");
  EXPECT_EQ(keys.api_keys[0].roles, std::vector<std::string>{"admin"});
  const ProviderSpec& svid = route.auth->providers[2];
  EXPECT_EQ(svid.kind, ProviderSpec::Kind::jwt_svid);
  EXPECT_EQ(svid.spiffe.trust_domain, "example.org");
  EXPECT_EQ(svid.spiffe.audience, "spiffe://example.org/gatehouse");
  EXPECT_EQ(svid.spiffe.bundle, SpiffeProviderSpec::Bundle::file);
  EXPECT_EQ(svid.spiffe.bundle_file, dir + "/spiffe-bundle.json");
  ASSERT_TRUE(route.auth->authorization_server);
  const AsHelperSpec& helper = *route.auth->authorization_server;
  EXPECT_EQ(helper.provider, "idp");
  EXPECT_TRUE(helper.add_pkce_s256);
  EXPECT_EQ(helper.registration, AsHelperSpec::Registration::forward);
  EXPECT_EQ(helper.registrations_per_minute, 60u);
  ASSERT_TRUE(route.policy);
  EXPECT_EQ(route.policy->hidden, PolicySpec::Hidden::unknown);
  ASSERT_EQ(route.policy->allow.size(), 2u);
  const Expr& when = route.policy->allow[1].when;
  EXPECT_EQ(when.source, R"("user" in identity.roles && mcp.tool == "get_time")");
  EXPECT_EQ(when.pos.file, path);
  EXPECT_EQ(when.pos.line, 79);
  EXPECT_EQ(when.pos.column, 43);  // the opening quote
  EXPECT_TRUE(when.quoted);
  EXPECT_EQ(when.at(0).column, 44);
  ASSERT_TRUE(route.fga);
  EXPECT_EQ(route.fga->model_file, dir + "/model.fga");
  EXPECT_EQ(route.fga->store.kind, FgaStore::Kind::sqlite);
  EXPECT_EQ(route.fga->store.path, dir + "/fga.db");
  EXPECT_EQ(route.fga->check.object.source, "tool:{mcp.target}/{mcp.tool}");
  ASSERT_EQ(route.rate_limits.size(), 1u);
  EXPECT_EQ(route.rate_limits[0].rate.tokens, 10u);
  EXPECT_EQ(route.rate_limits[0].rate.per, std::chrono::seconds(1));
  EXPECT_EQ(route.rate_limits[0].burst, 20u);
  EXPECT_EQ(route.rate_limits[0].key.source, "identity.subject");
  ASSERT_TRUE(route.cors);
  EXPECT_EQ(route.cors->max_age, std::chrono::minutes(10));
  const Backend& b = c.backends[0];
  ASSERT_EQ(b.targets.size(), 3u);
  const auto& http = std::get<HttpTarget>(b.targets[0].transport);
  EXPECT_EQ(http.headers, (StringPairs{{"X-Team", "a"}}));
  const auto& stdio = std::get<StdioTarget>(b.targets[1].transport);
  EXPECT_EQ(stdio.command, dir + "/build/examples/time/gatehouse-time");
  EXPECT_EQ(stdio.args, std::vector<std::string>{"--stdio"});
  EXPECT_EQ(std::get<SseTarget>(b.targets[2].transport).url, "http://127.0.0.1:9103/sse");
  EXPECT_EQ(b.upstream_auth.mode, UpstreamAuth::Mode::strip);
  ASSERT_TRUE(c.redis);
  EXPECT_EQ(c.redis->url, "redis://127.0.0.1:6379");
  ASSERT_TRUE(c.admin);
  EXPECT_EQ(c.admin->port, 9901);
  EXPECT_TRUE(c.admin->fga_api.enabled);
  EXPECT_EQ(c.limits.max_header, 16u * 1024);
  EXPECT_TRUE(c.log.access);
}

TEST(LoaderTest, QuickstartLoads) {
  auto r = load_file(std::string(GATEHOUSE_SOURCE_DIR) + "/examples/quickstart.yaml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->backends[0].targets.size(), 2u);
}

TEST(LoaderTest, UnknownKeysWithDidYouMean) {
  std::string yaml(kMinimal);
  yaml.replace(yaml.find("    port: 8080"), 14, "    prot: 8080");
  EXPECT_EQ(errors(yaml),
            "/etc/gh/gw.yaml:2:5: listeners[0].port: missing required field\n"
            "/etc/gh/gw.yaml:3:5: listeners[0].prot: unknown field \"prot\" (did you mean \"port\"?)");
  EXPECT_EQ(errors(std::string(kMinimal) + "sesions: {}\n"),
            "/etc/gh/gw.yaml:14:1: sesions: unknown field \"sesions\" (did you mean \"sessions\"?)");
  EXPECT_EQ(errors(std::string(kMinimal) + "zzz: 1\n"), "/etc/gh/gw.yaml:14:1: zzz: unknown field \"zzz\"");
}

TEST(LoaderTest, DanglingReferences) {
  std::string yaml(kMinimal);
  yaml.replace(yaml.find("backend: tools"), 14, "backend: tols");
  yaml.replace(yaml.find("listener: main"), 14, "listener: man");
  EXPECT_EQ(errors(yaml),
            "/etc/gh/gw.yaml:6:15: routes[0].listener: unknown listener \"man\" (did you mean \"main\"?)\n"
            "/etc/gh/gw.yaml:8:14: routes[0].backend: unknown backend \"tols\" (did you mean \"tools\"?)");
}

TEST(LoaderTest, WrongTypesAndMissingFields) {
  EXPECT_EQ(errors("listeners: main\nroutes: []\nbackends: {}\n"),
            "/etc/gh/gw.yaml:1:12: listeners: expected a list\n"
            "/etc/gh/gw.yaml:2:9: routes: at least one route is required\n"
            "/etc/gh/gw.yaml:3:11: backends: expected a list");
  EXPECT_EQ(errors("- a\n- b\n"), "/etc/gh/gw.yaml:1:1: expected a mapping, got a list");
  EXPECT_EQ(errors(""), "/etc/gh/gw.yaml: the file is empty");
  std::string yaml(kMinimal);
  yaml.replace(yaml.find("port: 8080"), 10, "port: [1]");
  yaml.replace(yaml.find("    path: /mcp\n"), 15, "");
  EXPECT_EQ(errors(yaml),
            "/etc/gh/gw.yaml:3:11: listeners[0].port: expected a single value, got a list\n"
            "/etc/gh/gw.yaml:5:5: routes[0].path: missing required field");
}

TEST(LoaderTest, YamlSyntaxErrorHasPosition) {
  EXPECT_EQ(errors("listeners:\n  - name: [main\n"), "/etc/gh/gw.yaml:3:1: YAML: end of sequence flow not found");
  auto e = errors("a: b\n  c: d\n");
  EXPECT_EQ(e.rfind("/etc/gh/gw.yaml:2:", 0), 0u) << e;
}

TEST(LoaderTest, DuplicateNamesAndKeys) {
  std::string yaml(kMinimal);
  yaml += R"(  - name: tools
    targets:
      - name: a
        stdio: { command: a }
      - name: a
        stdio: { command: b }
)";
  EXPECT_EQ(errors(yaml),
            "/etc/gh/gw.yaml:14:11: backends[1].name: duplicate name \"tools\"\n"
            "/etc/gh/gw.yaml:18:15: backends[1].targets[1].name: duplicate name \"a\"");
  EXPECT_EQ(errors(std::string(kMinimal) + "log: { level: info, level: debug }\n"),
            "/etc/gh/gw.yaml:14:21: log.level: duplicate key");
}

TEST(LoaderTest, BadValues) {
  std::string yaml(kMinimal);
  yaml.replace(yaml.find("    port: 8080"), 14, "    port: 70000\n    address: localhost");
  yaml += R"(sessions: { key: short, ttl: 5 }
limits: { max_body: 4MB, request_timeout: 0s }
log: { level: verbose, access: maybe }
admin: { port: -1 }
)";
  EXPECT_EQ(errors(yaml),
            "/etc/gh/gw.yaml:3:11: listeners[0].port: bad port \"70000\" (0-65535)\n"
            "/etc/gh/gw.yaml:4:14: listeners[0].address: \"localhost\" is not an IPv4 or IPv6 address\n"
            "/etc/gh/gw.yaml:15:18: sessions.key: session key is not base64url\n"
            "/etc/gh/gw.yaml:15:30: sessions.ttl: bad duration \"5\": a unit is required (ms, s, m, h)\n"
            "/etc/gh/gw.yaml:16:21: limits.max_body: bad size \"4MB\": unknown unit \"MB\" (B, KiB, MiB, GiB)\n"
            "/etc/gh/gw.yaml:16:43: limits.request_timeout: must be more than 0\n"
            "/etc/gh/gw.yaml:17:15: log.level: unknown value \"verbose\" (one of: trace, debug, info, warn, error)\n"
            "/etc/gh/gw.yaml:17:32: log.access: expected true or false, got \"maybe\"\n"
            "/etc/gh/gw.yaml:18:16: admin.port: bad port \"-1\" (0-65535)");
}

// admin.fga_api: the token is optional on loopback, required elsewhere, and never echoed.
TEST(LoaderTest, AdminFgaApi) {
  std::string yaml(kMinimal);
  auto r = load(yaml + "admin: { port: 9901, fga_api: { enabled: true } }\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->admin->fga_api.enabled);
  EXPECT_TRUE(r->admin->fga_api.token.empty());
  EXPECT_TRUE(load(yaml + "admin: { address: \"::1\", fga_api: { enabled: true } }\n"));
  EXPECT_FALSE(load(yaml + "admin: { port: 9901 }\n")->admin->fga_api.enabled);

  auto t = load(yaml + "admin: { address: 0.0.0.0, fga_api: { enabled: true, token: \"${FGA_API_TOKEN}\" } }\n",
                {{"FGA_API_TOKEN", "s3cret-value"}});
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->admin->fga_api.token, "s3cret-value");

  EXPECT_EQ(errors(yaml + "admin: { address: 0.0.0.0, fga_api: { enabled: true } }\n"),
            "/etc/gh/gw.yaml:14:37: admin.fga_api.token: required when admin.address is not a loopback address "
            "(\"0.0.0.0\"): the API writes the tuples the gateway authorizes with");
  // Disabled, nothing is served: no token needed.
  EXPECT_TRUE(load(yaml + "admin: { address: 10.0.0.1, fga_api: { enabled: false } }\n"));
  EXPECT_EQ(errors(yaml + "admin: { fga_api: { enabled: yes, tokn: x } }\n"),
            "/etc/gh/gw.yaml:14:30: admin.fga_api.enabled: expected true or false, got \"yes\"\n"
            "/etc/gh/gw.yaml:14:35: admin.fga_api.tokn: unknown field \"tokn\" (did you mean \"token\"?)");
  const std::string bad = errors(yaml + "admin: { address: 10.0.0.1, fga_api: { enabled: true, token: \"${NOPE}\" } }\n");
  EXPECT_NE(bad.find("NOPE"), std::string::npos) << bad;
}

TEST(LoaderTest, BadUrlsAndTargets) {
  std::string yaml(kMinimal);
  yaml.replace(yaml.find("http://127.0.0.1:9101/mcp"), 25, "ftp://h/x");
  yaml += R"(      - name: 2nd
        stdio: { command: "" }
        sse: { url: "http://h/" }
      - name: legacy
        sse: { url: "https://h/" }
redis: { url: http://h }
)";
  EXPECT_EQ(errors(yaml),
            "/etc/gh/gw.yaml:13:22: backends[0].targets[0].http.url: URL \"ftp://h/x\" must use http, https\n"
            "/etc/gh/gw.yaml:14:9: backends[0].targets[1]: a target has exactly one of http, stdio or sse\n"
            "/etc/gh/gw.yaml:14:15: backends[0].targets[1].name: bad name \"2nd\" (letters, digits and '-', starting with a letter)\n"
            "/etc/gh/gw.yaml:15:27: backends[0].targets[1].stdio.command: must not be empty\n"
            "/etc/gh/gw.yaml:18:21: backends[0].targets[2].sse.url: URL \"https://h/\" must use http\n"
            "/etc/gh/gw.yaml:19:15: redis.url: URL \"http://h\" must use redis, rediss");
}

TEST(LoaderTest, EnvironmentExpansion) {
  std::string yaml(kMinimal);
  yaml.replace(yaml.find("port: 8080"), 10, "port: ${PORT:-8081}");
  yaml.replace(yaml.find("http://127.0.0.1:9101/mcp"), 25, "\"http://127.0.0.1:${ECHO_PORT}/mcp\"");
  auto r = load(yaml, {{"ECHO_PORT", "9999"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->listeners[0].port, 8081);
  EXPECT_EQ(std::get<HttpTarget>(r->backends[0].targets[0].transport).url, "http://127.0.0.1:9999/mcp");
  r = load(yaml, {{"ECHO_PORT", "1"}, {"PORT", "7000"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->listeners[0].port, 7000);
  EXPECT_EQ(errors(yaml),
            "/etc/gh/gw.yaml:13:22: backends[0].targets[0].http.url: environment variable ECHO_PORT "
            "is not set (use ${ECHO_PORT:-default} for a default)");
  // The expanded value is validated like a literal one.
  EXPECT_EQ(errors(yaml, {{"ECHO_PORT", "1"}, {"PORT", "x"}}),
            "/etc/gh/gw.yaml:3:11: listeners[0].port: bad port \"x\" (0-65535)");
}

TEST(LoaderTest, SessionKeyFromEnvironment) {
  std::string yaml(kMinimal);
  yaml += "sessions: { key: \"${KEY:-}\" }\n";
  auto r = load(yaml, {{"KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->sessions.key.size(), 32u);
  EXPECT_EQ(r->sessions.key[31], 31);
  r = load(yaml);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->sessions.key.empty());
  // The value is a secret: the error never echoes it.
  auto e = errors(yaml, {{"KEY", "c2VjcmV0LXNlc3Npb24ta2V5"}});
  EXPECT_EQ(e, "/etc/gh/gw.yaml:14:18: sessions.key: session key must be 32 bytes, got 18");
  EXPECT_EQ(e.find("c2VjcmV0"), std::string::npos);
}

TEST(LoaderTest, RelativePathsResolveAgainstTheFile) {
  std::string yaml(kMinimal);
  yaml += R"(      - name: local
        stdio: { command: ./bin/server, cwd: work }
      - name: onpath
        stdio: { command: node, cwd: /abs }
)";
  yaml.replace(yaml.find("    port: 8080"), 14, "    port: 8080\n    tls: { cert: ../certs/c.pem, key: /k.pem }");
  auto r = load(yaml);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->listeners[0].tls->cert, "/etc/certs/c.pem");
  EXPECT_EQ(r->listeners[0].tls->key, "/k.pem");
  const auto& local = std::get<StdioTarget>(r->backends[0].targets[1].transport);
  EXPECT_EQ(local.command, "/etc/gh/bin/server");
  EXPECT_EQ(local.cwd, "/etc/gh/work");
  const auto& onpath = std::get<StdioTarget>(r->backends[0].targets[2].transport);
  EXPECT_EQ(onpath.command, "node");
  EXPECT_EQ(onpath.cwd, "/abs");
}

TEST(LoaderTest, AuthPolicyAndLimitErrors) {
  std::string yaml(kMinimal);
  yaml.replace(yaml.find("    backend: tools\n"), 19, R"(    backend: tools
    auth:
      providers:
        - name: both
          issuer: http://idp
          audience: x
          api_keys: [ { name: k, sha256: nothex } ]
          jwks_url: http://idp/jwks
          jwks_file: jwks.json
    policy:
      hidden: quiet
      allow: [ { name: a, when: "" }, { name: a, when: 'true' } ]
    rate_limits:
      - { name: r, key: k, rate: 10, store: redis }
    fga: { store: { kind: postgres } }
)");
  EXPECT_EQ(errors(yaml),
            "/etc/gh/gw.yaml:11:11: routes[0].auth.providers[0]: a provider has either issuer (JWT) or api_keys, not both\n"
            "/etc/gh/gw.yaml:11:11: routes[0].auth.providers[0].jwks_file: jwks_url and jwks_file exclude each other\n"
            "/etc/gh/gw.yaml:14:42: routes[0].auth.providers[0].api_keys[0].sha256: must be 64 hex digits (SHA-256 of the key)\n"
            "/etc/gh/gw.yaml:18:15: routes[0].policy.hidden: unknown value \"quiet\" (one of: unknown, deny)\n"
            "/etc/gh/gw.yaml:19:33: routes[0].policy.allow[0].when: expression must not be empty\n"
            "/etc/gh/gw.yaml:19:47: routes[0].policy.allow[1].name: duplicate rule name \"a\"\n"
            "/etc/gh/gw.yaml:21:9: routes[0].rate_limits[0].store: store redis needs a top-level redis section\n"
            "/etc/gh/gw.yaml:21:34: routes[0].rate_limits[0].rate: bad rate \"10\" (expected tokens/period, e.g. 10/s, 100/m, 20/100ms)\n"
            "/etc/gh/gw.yaml:22:10: routes[0].fga.model_file: missing required field\n"
            "/etc/gh/gw.yaml:22:10: routes[0].fga.check: missing required field\n"
            "/etc/gh/gw.yaml:22:19: routes[0].fga.store.dsn: required for kind postgres");
}

TEST(LoaderTest, SpiffeJwtSvidProvider) {
  std::string yaml(kMinimal);
  yaml.replace(yaml.find("    backend: tools\n"), 19, R"(    backend: tools
    auth:
      providers:
        - name: workloads
          spiffe: { trust_domain: example.org, audience: spiffe://example.org/gw, bundle_file: b/bundle.json }
)");
  auto r = load(yaml);
  ASSERT_TRUE(r) << r.error().message;
  const ProviderSpec& p = r->routes[0].auth->providers[0];
  EXPECT_EQ(p.kind, ProviderSpec::Kind::jwt_svid);
  EXPECT_EQ(p.spiffe.bundle_file, "/etc/gh/b/bundle.json");
  EXPECT_EQ(p.spiffe.audience, "spiffe://example.org/gw");
  yaml.replace(yaml.find("bundle_file: b/bundle.json"), 26, "bundle: workload_api");
  auto agent = load(yaml);
  ASSERT_TRUE(agent) << agent.error().message;
  EXPECT_EQ(agent->routes[0].auth->providers[0].spiffe.bundle, SpiffeProviderSpec::Bundle::workload_api);
}

TEST(LoaderTest, SpiffeJwtSvidProviderErrors) {
  std::string yaml(kMinimal);
  yaml.replace(yaml.find("    backend: tools\n"), 19, R"(    backend: tools
    auth:
      providers:
        - name: both
          issuer: http://idp
          audience: x
          spiffe: { trust_domain: example.org, audience: a, bundle_file: b.json }
        - name: nodomain
          spiffe: { audience: a, bundle_file: b.json }
        - name: badtd
          spiffe: { trust_domain: "spiffe://Example.org", audience: a, bundle_file: b.json }
        - name: nobundle
          spiffe: { trust_domain: example.org, audience: a }
        - name: agent
          spiffe: { trust_domain: example.org, audience: a, bundle: workload_api, bundle_file: b.json }
        - name: typo
          spiffe: { trust_domain: example.org, audience: a, bundle_fil: b.json, bundle: files }
)");
  EXPECT_EQ(errors(yaml),
            "/etc/gh/gw.yaml:11:11: routes[0].auth.providers[0]: a provider has one of issuer (JWT), spiffe (JWT-SVID) or api_keys\n"
            "/etc/gh/gw.yaml:16:19: routes[0].auth.providers[1].spiffe.trust_domain: missing required field\n"
            "/etc/gh/gw.yaml:18:35: routes[0].auth.providers[2].spiffe.trust_domain: not a trust domain name (lowercase letters, digits, '.', '-', '_'; no scheme)\n"
            "/etc/gh/gw.yaml:20:19: routes[0].auth.providers[3].spiffe.bundle_file: missing required field (the trust domain's SPIFFE bundle)\n"
            "/etc/gh/gw.yaml:22:19: routes[0].auth.providers[4].spiffe.bundle_file: bundle_file and bundle: workload_api exclude each other\n"
            "/etc/gh/gw.yaml:24:19: routes[0].auth.providers[5].spiffe.bundle_file: missing required field (the trust domain's SPIFFE bundle)\n"
            "/etc/gh/gw.yaml:24:61: routes[0].auth.providers[5].spiffe.bundle_fil: unknown field \"bundle_fil\" (did you mean \"bundle_file\"?)\n"
            "/etc/gh/gw.yaml:24:89: routes[0].auth.providers[5].spiffe.bundle: unknown value \"files\" (one of: file, workload_api) (did you mean \"file\"?)");
}

TEST(LoaderTest, FgaRemoteAndCache) {
  std::string yaml(kMinimal);
  yaml.replace(yaml.find("    backend: tools\n"), 19, R"(    backend: tools
    fga:
      remote: { url: "http://127.0.0.1:8080", store_id: S1, token: "${FGA_TOKEN}", timeout: 500ms }
      cache: { ttl: 0, max_entries: 10 }
      check: { user: 'user:{identity.subject}', relation: can_call, object: 'tool:{mcp.tool}' }
)");
  auto ok = load(yaml, {{"FGA_TOKEN", "tok"}});
  ASSERT_TRUE(ok) << ok.error().message;
  const FgaSpec& fga = *ok->routes[0].fga;
  ASSERT_TRUE(fga.remote);
  EXPECT_EQ(fga.remote->url, "http://127.0.0.1:8080");
  EXPECT_EQ(fga.remote->store_id, "S1");
  EXPECT_EQ(fga.remote->model_id, "");
  EXPECT_EQ(fga.remote->token, "tok");
  EXPECT_EQ(fga.remote->timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(fga.cache.ttl, std::chrono::milliseconds(0));
  EXPECT_EQ(fga.cache.max_entries, 10u);
  EXPECT_TRUE(fga.model_file.empty());

  // Defaults: cache on for 10 s, 65,536 entries; remote timeout 2 s.
  std::string plain(yaml);
  plain.replace(plain.find("      cache:"), plain.find("      check:") - plain.find("      cache:"), "");
  plain.replace(plain.find(", timeout: 500ms"), 16, "");
  auto d = load(plain, {{"FGA_TOKEN", "tok"}});
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->routes[0].fga->cache.ttl, std::chrono::seconds(10));
  EXPECT_EQ(d->routes[0].fga->cache.max_entries, 65536u);
  EXPECT_EQ(d->routes[0].fga->remote->timeout, std::chrono::seconds(2));

  std::string both(yaml);
  both.replace(both.find("      remote:"), 0, "      model_file: m.fga\n      store: { kind: memory }\n");
  both.replace(both.find("max_entries: 10"), 15, "max_entries: 0");
  both.replace(both.find("store_id: S1, "), 14, "");
  EXPECT_EQ(errors(both, {{"FGA_TOKEN", "tok"}}),
            "/etc/gh/gw.yaml:10:19: routes[0].fga.model_file: excludes remote (the remote server holds the model and tuples)\n"
            "/etc/gh/gw.yaml:11:14: routes[0].fga.store: excludes remote (the remote server holds the model and tuples)\n"
            "/etc/gh/gw.yaml:12:15: routes[0].fga.remote.store_id: missing required field\n"
            "/etc/gh/gw.yaml:13:14: routes[0].fga.cache.max_entries: must be at least 1 (use ttl: 0 to turn the cache off)");

  // https anywhere, with an optional CA bundle (relative to the config file); plain http only
  // to loopback.
  std::string tls(yaml);
  tls.replace(tls.find("http://127.0.0.1:8080"), 21, "https://fga.internal:8443");
  tls.replace(tls.find("timeout: 500ms"), 14, "timeout: 500ms, ca: certs/fga-ca.pem");
  auto t = load(tls, {{"FGA_TOKEN", "tok"}});
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->routes[0].fga->remote->url, "https://fga.internal:8443");
  EXPECT_EQ(t->routes[0].fga->remote->ca, "/etc/gh/certs/fga-ca.pem");
  for (const char* host : {"http://localhost:8080", "http://[::1]:8080"}) {
    std::string local(yaml);
    local.replace(local.find("http://127.0.0.1:8080"), 21, host);
    auto l = load(local, {{"FGA_TOKEN", "tok"}});
    EXPECT_TRUE(l) << host << ": " << l.error().message;
  }
  std::string clear(yaml);
  clear.replace(clear.find("http://127.0.0.1:8080"), 21, "http://fga.internal:8080");
  EXPECT_EQ(errors(clear, {{"FGA_TOKEN", "tok"}}),
            "/etc/gh/gw.yaml:10:22: routes[0].fga.remote.url: plain http only to loopback (127.0.0.1, ::1, localhost); use https");
}

TEST(LoaderTest, ClashingListenersAndRoutes) {
  std::string yaml(kMinimal);
  yaml.replace(yaml.find("routes:"), 7, R"(  - name: other
    address: 0.0.0.0
    port: 8080
admin: { port: 8080 }
routes:)");
  yaml.replace(yaml.find("backends:"), 9, R"(  - name: again
    listener: main
    path: /mcp
    backend: tools
backends:)");
  EXPECT_EQ(errors(yaml),
            "/etc/gh/gw.yaml:2:5: listeners[0]: listener \"main\" uses the admin address and port\n"
            "/etc/gh/gw.yaml:4:5: listeners[1]: listener \"other\" uses the same address and port as \"main\"\n"
            "/etc/gh/gw.yaml:4:5: listeners[1]: listener \"other\" uses the admin address and port\n"
            "/etc/gh/gw.yaml:13:5: routes[1]: route \"again\" has the same listener, host and path as \"tools\"");
}

TEST(LoaderTest, UpstreamAuthModes) {
  std::string yaml(kMinimal);
  yaml += "    upstream_auth: { mode: static, header: X-Key }\n";
  EXPECT_EQ(errors(yaml),
            "/etc/gh/gw.yaml:14:20: backends[0].upstream_auth: mode static needs exactly one of value or value_env");
  yaml = std::string(kMinimal) + "    upstream_auth: { mode: client_credentials, token_url: http://as/token, client_id: gw, client_secret: s3cret }\n";
  auto r = load(yaml);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->backends[0].upstream_auth.mode, UpstreamAuth::Mode::client_credentials);
  EXPECT_EQ(r->backends[0].upstream_auth.client_secret, "s3cret");
  yaml = std::string(kMinimal) + "    upstream_auth: { mode: token_exchnge }\n";
  EXPECT_EQ(errors(yaml),
            "/etc/gh/gw.yaml:14:28: backends[0].upstream_auth.mode: unknown value \"token_exchnge\" (one of: strip, "
            "passthrough, static, client_credentials, token_exchange) (did you mean \"token_exchange\"?)");
}

TEST(LoaderTest, UpstreamTlsBlock) {
  std::string yaml(kMinimal);
  yaml.replace(yaml.find("http: { url: http://127.0.0.1:9101/mcp }"), 41,
               "http:\n          url: https://127.0.0.1:8443/mcp\n          tls:\n"
               "            ca: pki/ca.pem\n            server_name: localhost\n"
               "            spiffe_id: spiffe://example.org/mcp/db\n            cert: /run/svid/gw.pem\n"
               "            key: /run/svid/gw.key");
  auto r = load(yaml);
  ASSERT_TRUE(r) << r.error().message;
  const auto& h = std::get<HttpTarget>(r->backends[0].targets[0].transport);
  ASSERT_TRUE(h.tls);
  EXPECT_EQ(h.tls->ca, "/etc/gh/pki/ca.pem");  // relative to the config file
  EXPECT_EQ(h.tls->server_name, "localhost");
  EXPECT_EQ(h.tls->spiffe_id, "spiffe://example.org/mcp/db");
  EXPECT_EQ(h.tls->cert, "/run/svid/gw.pem");
  EXPECT_EQ(h.tls->key, "/run/svid/gw.key");
  EXPECT_EQ(h.tls->pos.line, 16);

  // An https URL alone is fine (system trust store); so is an empty block.
  std::string plain(kMinimal);
  plain.replace(plain.find("http://127.0.0.1:9101"), 21, "https://127.0.0.1:9101");
  auto p = load(plain);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_FALSE(std::get<HttpTarget>(p->backends[0].targets[0].transport).tls);
}

TEST(LoaderTest, BadUpstreamTlsBlocks) {
  auto with = [](std::string url, std::string tls) {
    std::string yaml(kMinimal);
    yaml.replace(yaml.find("{ url: http://127.0.0.1:9101/mcp }"), 34, "{ url: \"" + url + "\", tls: " + tls + " }");
    return errors(yaml);
  };
  EXPECT_EQ(with("http://127.0.0.1:9101/mcp", "{ ca: ca.pem }"),
            "/etc/gh/gw.yaml:13:56: backends[0].targets[0].http.tls: tls needs an https:// url");
  EXPECT_EQ(with("https://127.0.0.1:9101/mcp", "{ cert: gw.pem }"),
            "/etc/gh/gw.yaml:13:57: backends[0].targets[0].http.tls.key: cert and key go together");
  EXPECT_EQ(with("https://127.0.0.1:9101/mcp", "{ key: gw.key }"),
            "/etc/gh/gw.yaml:13:57: backends[0].targets[0].http.tls.cert: cert and key go together");
  EXPECT_EQ(with("https://127.0.0.1:9101/mcp", "{ spiffe_id: example.org/db }"),
            "/etc/gh/gw.yaml:13:57: backends[0].targets[0].http.tls.spiffe_id: a SPIFFE ID starts with spiffe://");
  EXPECT_EQ(with("https://127.0.0.1:9101/mcp", "{ cafile: ca.pem }"),
            "/etc/gh/gw.yaml:13:59: backends[0].targets[0].http.tls.cafile: unknown field \"cafile\"");
  EXPECT_EQ(with("https://127.0.0.1:9101/mcp", "yes"),
            "/etc/gh/gw.yaml:13:57: backends[0].targets[0].http.tls: expected a mapping, got \"yes\"");
}

TEST(LoaderTest, ConnectTimeoutForNetworkTargetsOnly) {
  std::string yaml(kMinimal);
  yaml += "        connect_timeout: 250ms\n";
  auto ok = load(yaml);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->backends[0].targets[0].connect_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(load(kMinimal)->backends[0].targets[0].connect_timeout, std::chrono::seconds(5));
  std::string stdio(kMinimal);
  stdio += "      - name: child\n        stdio: { command: /bin/true }\n        connect_timeout: 1s\n";
  EXPECT_EQ(errors(stdio), "/etc/gh/gw.yaml:14:9: backends[0].targets[1].connect_timeout: applies to http and sse targets only");
}

TEST(LoaderTest, MissingFileIsAnError) {
  auto r = load_file("/nonexistent/gw.yaml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "/nonexistent/gw.yaml: cannot open the file");
}

// spiffe.workload_api and listeners[].tls.source (the SPIFFE Workload API as the source of
// the listener's SVID and bundles).
TEST(LoaderTest, WorkloadApiListenerTls) {
  std::string yaml(kMinimal);
  yaml.replace(yaml.find("    port: 8080"), 14,
               "    port: 8080\n    tls: { source: workload_api, require_client_cert: true, trust_domains: [example.org],"
               " spiffe_id: spiffe://example.org/gw }");
  yaml += "spiffe:\n  workload_api: { socket: unix:///run/spire/agent.sock, startup_timeout: 5s }\n";
  auto r = load(yaml);
  ASSERT_TRUE(r) << r.error().message;
  const Tls& tls = *r->listeners[0].tls;
  EXPECT_EQ(tls.source, TlsSource::workload_api);
  EXPECT_TRUE(tls.require_client_cert);
  EXPECT_TRUE(tls.cert.empty());
  EXPECT_EQ(tls.trust_domains, std::vector<std::string>{"example.org"});
  EXPECT_EQ(tls.spiffe_id, "spiffe://example.org/gw");
  ASSERT_TRUE(r->spiffe && r->spiffe->workload_api);
  EXPECT_EQ(r->spiffe->workload_api->socket, "unix:///run/spire/agent.sock");
  EXPECT_EQ(r->spiffe->workload_api->startup_timeout, std::chrono::seconds(5));

  // The socket may come from SPIFFE_ENDPOINT_SOCKET at start; the timeout defaults to 30s.
  std::string env_only(kMinimal);
  env_only += "spiffe: { workload_api: {} }\n";
  auto e = load(env_only);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_TRUE(e->spiffe->workload_api->socket.empty());
  EXPECT_EQ(e->spiffe->workload_api->startup_timeout, std::chrono::seconds(30));
  // Files stay the default source.
  std::string files(kMinimal);
  files.replace(files.find("    port: 8080"), 14, "    port: 8080\n    tls: { cert: /c.pem, key: /k.pem }");
  EXPECT_EQ(load(files)->listeners[0].tls->source, TlsSource::files);
}

TEST(LoaderTest, BadWorkloadApiBlocks) {
  auto listener = [](std::string tls, std::string spiffe = "spiffe: { workload_api: { socket: unix:///a.sock } }\n") {
    std::string yaml(kMinimal);
    yaml.replace(yaml.find("    port: 8080"), 14, "    port: 8080\n    tls: " + tls);
    return errors(yaml + spiffe);
  };
  EXPECT_EQ(listener("{ source: workload_api }", ""),
            "/etc/gh/gw.yaml:4:10: listeners[0].tls.source: source: workload_api needs a spiffe: { workload_api: { "
            "socket: ... } } section");
  EXPECT_EQ(listener("{ source: workload_api, cert: /c.pem }"),
            "/etc/gh/gw.yaml:4:40: listeners[0].tls.cert: not used with source: workload_api (the SVID and bundles "
            "come from the agent)");
  EXPECT_EQ(listener("{ source: workload_api, client_ca: /ca.pem }"),
            "/etc/gh/gw.yaml:4:45: listeners[0].tls.client_ca: not used with source: workload_api (the SVID and "
            "bundles come from the agent)");
  EXPECT_EQ(listener("{ source: workload_api, spiffe_id: example.org/gw }"),
            "/etc/gh/gw.yaml:4:45: listeners[0].tls.spiffe_id: a SPIFFE ID starts with spiffe://");
  EXPECT_EQ(listener("{ source: workload_api, trust_domains: [Example.ORG] }"),
            "/etc/gh/gw.yaml:4:49: listeners[0].tls.trust_domains: bad trust domain \"Example.ORG\" (lowercase "
            "letters, digits, '.', '-', '_')");
  EXPECT_EQ(listener("{ source: spire, cert: /c.pem, key: /k.pem }"),
            "/etc/gh/gw.yaml:4:20: listeners[0].tls.source: unknown value \"spire\" (one of: files, workload_api)");
  EXPECT_EQ(listener("{ cert: /c.pem, key: /k.pem, trust_domains: [example.org] }"),
            "/etc/gh/gw.yaml:4:10: listeners[0].tls.client_ca: required when trust_domains is set");
  std::string yaml(kMinimal);
  EXPECT_EQ(errors(yaml + "spiffe: { workload_api: { socket: /tmp/agent.sock } }\n"),
            "/etc/gh/gw.yaml:14:35: spiffe.workload_api.socket: expected unix:///path/to/agent.sock or tcp://ip:port");
  EXPECT_EQ(errors(yaml + "spiffe: { workload_api: { sockett: unix:///a.sock } }\n"),
            "/etc/gh/gw.yaml:14:27: spiffe.workload_api.sockett: unknown field \"sockett\" (did you mean \"socket\"?)");
  EXPECT_EQ(errors(yaml + "spiffe: { workload_api: { startup_timeout: -1s } }\n").find("startup_timeout") !=
                std::string::npos,
            true);
}

}  // namespace
}  // namespace gatehouse::config
