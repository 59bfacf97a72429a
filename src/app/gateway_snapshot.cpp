#include "app/gateway_snapshot.hpp"
#include "app/upstream_auth_builder.hpp"
#include "spiffe/svid_server_context.hpp"
#include "tls/client_tls.hpp"

#include <boost/url/parse.hpp>

#include <cstdlib>
#include <map>
#include <mutex>

#include <variant>

namespace gatehouse::app {

namespace {

gateway::FailureMode failure_of(config::FailureMode m) {
  return m == config::FailureMode::closed ? gateway::FailureMode::closed : gateway::FailureMode::open;
}

gateway::PrefixMode prefix_of(config::PrefixMode m) {
  switch (m) {
    case config::PrefixMode::always: return gateway::PrefixMode::always;
    case config::PrefixMode::never: return gateway::PrefixMode::never;
    case config::PrefixMode::automatic: break;
  }
  return gateway::PrefixMode::automatic;
}

std::string where(const config::SourcePos& pos) {
  return pos.file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": ";
}

// A target's ejection state survives config reloads that keep the target as it was (same
// route, target, transport and policy), so a reload does not hand a dead server fresh traffic.
std::shared_ptr<gateway::TargetHealth> health_for(const std::string& route, const gateway::TargetSpec& target,
                                                  const gateway::EjectionPolicy& policy) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<gateway::TargetHealth>> known;
  std::string key = route + '\0' + target.name + '\0' + target.key() + '\0' + std::to_string(policy.eject_after) +
                    '/' + std::to_string(policy.eject_for.count()) + '/' + std::to_string(policy.eject_max.count());
  std::lock_guard lock(mu);
  for (auto it = known.begin(); it != known.end();) it = it->second.expired() ? known.erase(it) : std::next(it);
  if (auto existing = known[key].lock()) return existing;
  auto fresh = std::make_shared<gateway::TargetHealth>(policy);
  known[key] = fresh;
  return fresh;
}

// An https target's client context (also without a tls block: the system trust store and
// the URL's host). Loaded now, so an unreadable CA or certificate fails the config load.
Result<std::shared_ptr<tls::ClientTls>> client_tls_for(const config::HttpTarget& http, const std::string& at) {
  auto u = boost::urls::parse_uri(http.url);
  if (!u || u->scheme() != "https") return std::shared_ptr<tls::ClientTls>();
  tls::ClientSettings settings;
  std::string host(u->host_address());
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  settings.server_name = host;
  if (http.tls) {
    settings.ca_bundle = http.tls->ca;
    if (!http.tls->server_name.empty()) settings.server_name = http.tls->server_name;
    settings.expected_spiffe_id = http.tls->spiffe_id;
    if (!http.tls->cert.empty()) settings.client_certificate = tls::CertificateFiles{http.tls->cert, http.tls->key};
  }
  auto made = tls::ClientTls::create(std::move(settings));
  if (!made) return fail(Errc::invalid_config, at + made.error().message);
  return *made;
}

// A listener whose certificate and client CA come from the SPIFFE Workload API. The client is
// shared by every listener and config generation; the first start waits (bounded by
// spiffe.workload_api.startup_timeout) for the first SVID, so a gateway never serves TLS
// without a certificate and an unreachable agent is a clear startup error.
Result<std::shared_ptr<spiffe::SvidServerContext>> workload_api_tls(const config::Config& config,
                                                                    const config::Listener& l) {
  const auto& api = *config.spiffe->workload_api;  // the loader checked the section exists
  GH_TRY(auto client, spiffe::WorkloadApiClient::shared(spiffe::ClientOptions{api.socket}));
  spiffe::SvidServerOptions options;
  options.base.require_client_cert = l.tls->require_client_cert;
  options.base.trust_domains = l.tls->trust_domains;
  options.spiffe_id = l.tls->spiffe_id;
  GH_TRY(auto source, spiffe::SvidServerContext::create(client, std::move(options)));
  if (!source->wait_ready(std::chrono::duration_cast<std::chrono::milliseconds>(api.startup_timeout)))
    return fail(Errc::invalid_config, "no usable X.509-SVID from the SPIFFE Workload API at " + client->endpoint() +
                                          " within " + std::to_string(api.startup_timeout.count()) +
                                          "ms (spiffe.workload_api.startup_timeout); is the agent running?");
  return source;
}

}  // namespace

Result<gateway::SnapshotPtr> to_gateway_snapshot(const config::Config& config, std::uint64_t generation,
                                                 std::vector<std::shared_ptr<tls::CertificateReloader>>* tls_reloaders) {
  auto snap = std::make_shared<gateway::GatewaySnapshot>();
  snap->generation = generation;
  snap->session_ttl = std::chrono::duration_cast<std::chrono::seconds>(config.sessions.ttl);
  snap->principal_limits.max_sessions = config.limits.max_sessions_per_principal;
  snap->principal_limits.max_in_flight = config.limits.max_streams_per_principal;
  snap->principal_limits.session_idle = std::chrono::duration_cast<std::chrono::seconds>(config.limits.session_idle);
  for (const auto& l : config.listeners) {
    gateway::ListenerSpec spec{l.name, l.address, l.port, {}};
    if (l.tls && l.tls->source == config::TlsSource::workload_api) {
      auto source = workload_api_tls(config, l);
      if (!source)
        return fail(Errc::invalid_config, where(l.pos) + "listeners." + l.name + ".tls: " + source.error().message);
      // As with files: each new connection takes the context current at accept.
      spec.tls = [s = *source] {
        auto c = s->current();
        return std::shared_ptr<boost::asio::ssl::context>(c, &c->context());
      };
    } else if (l.tls) {
      tls::ServerSettings settings;
      settings.certificates.push_back({l.tls->cert, l.tls->key});
      settings.client_ca = l.tls->client_ca;
      settings.require_client_cert = l.tls->require_client_cert;
      settings.trust_domains = l.tls->trust_domains;
      auto reloader = tls::CertificateReloader::create(std::move(settings));
      if (!reloader)
        return fail(Errc::invalid_config, where(l.pos) + "listeners." + l.name + ".tls: " + reloader.error().message);
      // Each new connection takes the context current at accept (aliasing: the
      // ServerContext stays alive as long as the connection holds the ssl::context).
      spec.tls = [r = *reloader] {
        auto c = r->current();
        return std::shared_ptr<boost::asio::ssl::context>(c, &c->context());
      };
      if (tls_reloaders) tls_reloaders->push_back(*reloader);
    }
    snap->listeners.push_back(std::move(spec));
  }
  if (config.admin) snap->admin = gateway::ListenerSpec{"admin", config.admin->address, config.admin->port};

  for (const auto& r : config.routes) {
    gateway::RouteSpec route;
    route.name = r.name;
    route.listener = r.listener;
    route.host = r.host;
    route.path = r.path;
    route.allowed_origins = r.allowed_origins;
    if (r.cors)
      for (const auto& o : r.cors->allowed_origins) route.allowed_origins.push_back(o);
    route.max_body_bytes = config.limits.max_body;
    const config::Backend* backend = nullptr;
    for (const auto& b : config.backends)
      if (b.name == r.backend) backend = &b;
    if (!backend) return fail(Errc::invalid_config, where(r.pos) + "routes." + r.name + ": unknown backend");
    route.prefix = prefix_of(backend->prefix);
    GH_TRY(auto credentials, build_caller_credentials(*backend));
    for (const auto& t : backend->targets) {
      gateway::TargetSpec target;
      target.name = t.name;
      target.timeout = t.timeout;
      target.failure = failure_of(backend->failure);
      // Upstream credentials: the client's token never goes upstream (strip, the default);
      // a static header is added to every request; the per-caller modes (passthrough,
      // client_credentials, token_exchange) are asked on each call (upstream_auth_builder).
      config::StringPairs upstream_headers;
      using Mode = config::UpstreamAuth::Mode;
      if (backend->upstream_auth.mode == Mode::static_header) {
        std::string value = backend->upstream_auth.value;
        if (!backend->upstream_auth.value_env.empty()) {
          const char* env = std::getenv(backend->upstream_auth.value_env.c_str());
          if (!env) return fail(Errc::invalid_config, where(backend->pos) + "backends." + backend->name + ".upstream_auth.value_env: " +
                                                          backend->upstream_auth.value_env + " is not set");
          value = env;
        }
        upstream_headers.emplace_back(backend->upstream_auth.header, std::move(value));
      }
      target.credentials = credentials;
      if (const auto* http = std::get_if<config::HttpTarget>(&t.transport)) {
        config::StringPairs headers = http->headers;
        headers.insert(headers.end(), upstream_headers.begin(), upstream_headers.end());
        gateway::HttpTarget h{http->url, std::move(headers)};
        auto client_tls = client_tls_for(*http, where(http->tls ? http->tls->pos : t.pos) + "backends." + backend->name +
                                                    ".targets." + t.name + ".http.tls: ");
        if (!client_tls) return client_tls.propagate();
        h.tls = std::move(*client_tls);
        h.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(t.connect_timeout);
        target.transport = std::move(h);
      } else if (const auto* stdio = std::get_if<config::StdioTarget>(&t.transport)) {
        target.transport = gateway::StdioSpec{stdio->command, stdio->args, stdio->env};
      } else {
        const auto& sse = std::get<config::SseTarget>(t.transport);
        config::StringPairs headers = sse.headers;
        headers.insert(headers.end(), upstream_headers.begin(), upstream_headers.end());
        gateway::HttpTarget h{sse.url, std::move(headers), /*legacy_sse=*/true};
        h.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(t.connect_timeout);
        target.transport = std::move(h);
      }
      target.list_retries = backend->resilience.list_retries;
      gateway::EjectionPolicy ejection{backend->resilience.eject_after,
                                       std::chrono::duration_cast<std::chrono::milliseconds>(backend->resilience.eject_for),
                                       std::chrono::duration_cast<std::chrono::milliseconds>(backend->resilience.eject_max)};
      target.health = health_for(route.name, target, ejection);
      route.targets.push_back(std::move(target));
    }
    snap->routes.push_back(std::move(route));
  }
  return gateway::SnapshotPtr(std::move(snap));
}

}  // namespace gatehouse::app
