// The typed gateway configuration: plain structs, filled and validated once by the loader,
// immutable after (held in a SnapshotHolder). CEL expressions stay strings here; the modules
// that compile them use Expr::pos to say file:line:col when one does not compile.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace gatehouse::config {

using Duration = std::chrono::milliseconds;
using StringPairs = std::vector<std::pair<std::string, std::string>>;  // keeps file order

// 1-based position in the source file; line 0 = unknown.
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
};

// A CEL expression (or an FGA check template) and where it was written. `quoted` tells a
// compiler that the text starts one column after `pos` (the opening quote); an offset inside
// a single-line expression is then at column pos.column + quoted + offset.
struct Expr {
  std::string source;
  SourcePos pos;
  bool quoted = false;

  SourcePos at(std::size_t offset) const {
    SourcePos p = pos;
    p.column += static_cast<int>(offset) + (quoted ? 1 : 0);
    return p;
  }
};

// Where a TLS side gets its certificate and trust bundle: files on disk (reloaded when they
// change), or the SPIFFE Workload API (spiffe.workload_api: X.509-SVID and bundles streamed).
enum class TlsSource { files, workload_api };

struct Tls {
  TlsSource source = TlsSource::files;
  std::string cert;       // absolute path (files)
  std::string key;        // absolute path (files)
  std::string client_ca;  // absolute path (files); empty = no client certificates asked for
  bool require_client_cert = false;
  // Non-empty: client certificates must carry a SPIFFE ID in one of these trust domains; with
  // workload_api also the only bundles trusted (empty: every bundle the agent sends).
  std::vector<std::string> trust_domains;
  std::string spiffe_id;  // workload_api: the SVID to serve when the agent sends several; empty: the first
  SourcePos pos;
};

// spiffe.workload_api: the SPIFFE Workload API endpoint (a SPIRE agent's socket).
struct SpiffeWorkloadApi {
  std::string socket;  // unix:///path or tcp://ip:port; empty = $SPIFFE_ENDPOINT_SOCKET at start
  // Listeners with tls.source workload_api wait this long for the first SVID at start, then
  // the gateway refuses to start.
  Duration startup_timeout{std::chrono::seconds(30)};
  SourcePos pos;
};

struct Spiffe {
  std::optional<SpiffeWorkloadApi> workload_api;
};

struct Listener {
  std::string name;
  std::string address = "127.0.0.1";  // IPv4/IPv6 literal
  std::uint16_t port = 0;              // 0 = any free port (tests)
  unsigned threads = 0;                // 0 = one per core
  std::optional<Tls> tls;
  SourcePos pos;
};

// Names of the claims an Identity is built from.
struct ClaimNames {
  std::string roles = "roles";
  std::string groups = "groups";
  std::string scopes = "scope";
  std::string client_id = "client_id";
};

struct ApiKeySpec {
  std::string name;
  std::string sha256;  // lower-case hex of SHA-256(key); a secret for the config dump
  std::vector<std::string> roles;
};

// A provider of SPIFFE JWT-SVIDs: workloads of one trust domain, keys from its bundle.
struct SpiffeProviderSpec {
  std::string trust_domain;  // sub must be spiffe://<trust_domain>/...
  std::string audience;      // aud must contain it
  enum class Bundle { file, workload_api };
  Bundle bundle = Bundle::file;
  std::string bundle_file;  // absolute path of the SPIFFE bundle (JWK Set, "use": "jwt-svid" keys)
};

// Exactly one of: a JWT issuer (issuer set), a set of API keys (api_keys non-empty), or a
// SPIFFE trust domain whose JWT-SVIDs are accepted (spiffe).
struct ProviderSpec {
  enum class Kind { jwt, api_keys, jwt_svid };
  std::string name;
  Kind kind = Kind::jwt;
  std::string issuer;
  std::string audience;
  std::string jwks_url;   // empty = discovered from the issuer metadata
  std::string jwks_file;  // absolute path; alternative to jwks_url
  std::vector<std::string> algorithms{"RS256", "ES256"};
  std::string require_typ;  // e.g. "at+jwt"; empty = any
  Duration clock_skew{std::chrono::seconds(60)};
  ClaimNames claims;
  std::vector<ApiKeySpec> api_keys;
  SpiffeProviderSpec spiffe;  // kind jwt_svid
};

// The gateway serving authorization-server helpers for IdPs that fall short of what MCP
// clients need (docs/authorization-server-helpers.md says which quirk each option addresses).
struct AsHelperSpec {
  std::string provider;  // the JWT provider whose IdP it fronts; empty = the only one
  bool add_pkce_s256 = true;
  bool add_token_auth_none = false;
  std::vector<std::string> scopes_supported;
  enum class Registration { none, forward, fixed };
  Registration registration = Registration::none;
  std::string registration_endpoint;   // forward: empty = the IdP's advertised endpoint
  std::string initial_access_token;    // forward: sent as Bearer to the IdP (secret)
  std::string client_id;               // fixed: the pre-registered public client handed out
  std::vector<std::string> redirect_uris;  // fixed: allowed redirect URIs ("*" suffix: prefix)
  unsigned registrations_per_minute = 60;
};

struct AuthSpec {
  bool required = true;
  std::vector<std::string> scopes;
  std::vector<ProviderSpec> providers;
  std::optional<AsHelperSpec> authorization_server;
};

struct PolicyRule {
  std::string name;
  Expr when;
};

// deny wins, every require must hold, then any allow admits.
struct PolicySpec {
  enum class Hidden { unknown, deny };  // how a denied tool looks to the caller
  Hidden hidden = Hidden::unknown;
  std::vector<PolicyRule> deny;
  std::vector<PolicyRule> require;
  std::vector<PolicyRule> allow;
};

struct FgaStore {
  enum class Kind { memory, sqlite, postgres };
  Kind kind = Kind::memory;
  std::string path;  // sqlite: absolute path
  std::string dsn;   // postgres: a secret for the config dump (may carry a password)
};

// Templates like "user:{identity.subject}"; the braces hold CEL expressions.
struct FgaCheck {
  Expr user;
  Expr relation;
  Expr object;
};

// A remote OpenFGA-compatible server asked instead of the embedded engine.
struct FgaRemote {
  std::string url;       // http(s)://host:port, no trailing path
  std::string store_id;
  std::string model_id;  // empty: the store's latest model
  std::string token;     // optional bearer; a secret for the config dump
  std::string ca;        // absolute path of PEM CA certificates for https; empty = the system trust store
  Duration timeout{std::chrono::seconds(2)};
};

// Decisions cached per config snapshot; ttl 0 turns the cache off.
struct FgaCache {
  Duration ttl{std::chrono::seconds(10)};
  std::uint64_t max_entries = 65536;
};

struct FgaSpec {
  std::string model_file;   // absolute path; exactly one of model_file and remote
  std::string tuples_file;  // absolute path; empty = none
  FgaStore store;
  FgaCheck check;
  std::optional<FgaRemote> remote;
  FgaCache cache;
};

struct Rate {
  std::uint64_t tokens = 0;
  Duration per{std::chrono::seconds(1)};
};

struct RateLimitRule {
  enum class Store { local, redis };
  std::string name;
  Expr key;  // CEL expression producing the descriptor string
  Rate rate;
  std::uint64_t burst = 0;  // defaults to rate.tokens
  Store store = Store::local;
};

struct CorsSpec {
  std::vector<std::string> allowed_origins;
  Duration max_age{std::chrono::minutes(10)};
};

struct Route {
  std::string name;
  std::string listener;  // names a Listener
  std::string host;      // empty = any Host
  std::string path = "/mcp";
  std::string backend;     // names a Backend
  std::string public_url;  // empty = derived from the request
  std::vector<std::string> allowed_origins;
  std::optional<AuthSpec> auth;
  std::optional<PolicySpec> policy;
  std::optional<FgaSpec> fga;
  std::vector<RateLimitRule> rate_limits;
  std::optional<CorsSpec> cors;
  SourcePos pos;
};

// An https target's TLS: whom to trust, which identity to expect, what to present.
struct UpstreamTls {
  std::string ca;           // absolute path; empty = the system trust store
  std::string server_name;  // SNI and verified DNS name; empty = the URL's host
  std::string spiffe_id;    // when set, the upstream must present exactly this SPIFFE ID
  std::string cert;         // absolute path; with key: the gateway's client certificate
  std::string key;          // absolute path (a path, not a secret: kept in the dump)
  SourcePos pos;
};

struct HttpTarget {
  std::string url;
  StringPairs headers;  // values are secrets for the config dump
  std::optional<UpstreamTls> tls;
};

struct StdioTarget {
  std::string command;  // resolved against the config directory when it contains '/'
  std::vector<std::string> args;
  StringPairs env;  // values are secrets for the config dump
  std::string cwd;  // absolute path; empty = the gateway's
};

struct SseTarget {
  std::string url;
  StringPairs headers;
};

struct Target {
  std::string name;  // [A-Za-z][A-Za-z0-9-]*: it becomes the tool-name prefix
  std::variant<HttpTarget, StdioTarget, SseTarget> transport;
  Duration timeout{std::chrono::seconds(30)};
  // http and sse: how long a new connection (TCP + TLS handshake) may take, within `timeout`,
  // so a blackholed target fails fast instead of holding a call for the whole timeout.
  Duration connect_timeout{std::chrono::seconds(5)};
  SourcePos pos;
};

struct UpstreamAuth {
  enum class Mode { strip, passthrough, static_header, client_credentials, token_exchange };
  Mode mode = Mode::strip;
  std::string header = "Authorization";  // static
  std::string value;                     // static, given inline (secret)
  std::string value_env;                 // static, the environment variable read at start
  std::string token_url;                 // client_credentials, token_exchange
  std::string client_id;
  std::string client_secret;  // secret
  std::string scope;
  std::string audience;
  std::string resource;
};

enum class FailureMode { open, closed };
enum class PrefixMode { automatic, always, never };

// Retries of idempotent list calls and outlier ejection of a failing target.
struct Resilience {
  unsigned list_retries = 1;
  unsigned eject_after = 5;  // consecutive transport failures; 0: never eject
  Duration eject_for{std::chrono::seconds(30)};
  Duration eject_max{std::chrono::minutes(5)};
};

struct Backend {
  std::string name;
  PrefixMode prefix = PrefixMode::automatic;
  FailureMode failure = FailureMode::open;
  std::vector<Target> targets;
  UpstreamAuth upstream_auth;
  Resilience resilience;
  SourcePos pos;
};

struct Sessions {
  std::vector<std::uint8_t> key;  // 32 bytes, or empty = generate at start (and warn)
  Duration ttl{std::chrono::hours(24)};
};

struct Redis {
  std::string url;  // redis:// or rediss://; a password in it is a secret
  FailureMode failure = FailureMode::open;
};

// OpenFGA's HTTP API over the fga routes' own stores, served on the admin listener under /fga/.
struct FgaApi {
  bool enabled = false;
  // Bearer token every API request presents (a secret). Without one the API is served only
  // when the admin listener is on a loopback address.
  std::string token;
};

struct Admin {
  std::string address = "127.0.0.1";
  std::uint16_t port = 9901;
  FgaApi fga_api;
};

struct Limits {
  std::uint64_t max_body = 4 * 1024 * 1024;
  std::uint64_t max_header = 16 * 1024;
  Duration request_timeout{std::chrono::seconds(60)};
  Duration idle_timeout{std::chrono::seconds(60)};
  // Per principal (the authenticated caller, else the client address), on each replica;
  // 0: no limit. A session counts until DELETE, its expiry or session_idle of disuse.
  unsigned max_sessions_per_principal = 0;
  unsigned max_streams_per_principal = 0;  // requests and SSE streams in flight at once
  Duration session_idle{std::chrono::hours(1)};
};

struct Log {
  enum class Level { trace, debug, info, warn, error };
  Level level = Level::info;
  bool access = true;
};

// Where the access and audit logs go and where traces are exported (observe::TelemetryConfig
// is built from this by the app; config does not depend on observe).
struct Telemetry {
  std::string access_log = "-";  // "-" = stderr, "" = off, else a file path (appended)
  std::string audit_log = "-";   // same
  std::vector<std::string> log_headers;  // request headers worth logging; empty = the defaults
  std::string otlp_url;          // OTLP/HTTP JSON endpoint, e.g. http://127.0.0.1:4318/v1/traces
  double sample_ratio = 1.0;     // for traces the gateway starts (0..1)
  std::string service_name = "gatehouse";
};

struct Config {
  std::string source;    // the file it was read from (as given)
  std::string base_dir;  // absolute directory relative paths were resolved against
  std::vector<Listener> listeners;
  std::vector<Route> routes;
  std::vector<Backend> backends;
  Sessions sessions;
  std::optional<Redis> redis;
  std::optional<Telemetry> telemetry;
  std::optional<Admin> admin;
  Limits limits;
  Log log;
  std::optional<Spiffe> spiffe;

  const Listener* find_listener(std::string_view name) const {
    for (const auto& l : listeners)
      if (l.name == name) return &l;
    return nullptr;
  }
  const Backend* find_backend(std::string_view name) const {
    for (const auto& b : backends)
      if (b.name == name) return &b;
    return nullptr;
  }
};

std::string_view to_string(PrefixMode m);
std::string_view to_string(FailureMode m);
std::string_view to_string(UpstreamAuth::Mode m);
std::string_view to_string(PolicySpec::Hidden h);
std::string_view to_string(FgaStore::Kind k);
std::string_view to_string(RateLimitRule::Store s);
std::string_view to_string(Log::Level l);
std::string_view to_string(TlsSource s);

}  // namespace gatehouse::config
