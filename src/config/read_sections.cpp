// Listeners and the small top-level sections (sessions, redis, admin, limits, log), plus
// the checks that span sections.
#include <algorithm>
#include <cctype>

#include "config/sections.hpp"

#include <boost/asio/ip/address.hpp>

#include <cstdlib>

namespace gatehouse::config::detail {

bool valid_target_name(std::string_view name) {
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; });
}

bool valid_label(std::string_view name) {
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::string unknown_reference(std::string_view what, const std::string& name,
                              const std::vector<std::string>& names) {
  std::string msg = "unknown " + std::string(what) + " \"" + name + "\"";
  if (auto near = closest(name, names)) msg += " (did you mean \"" + *near + "\"?)";
  else if (names.empty()) msg += " (none is defined)";
  return msg;
}

namespace {
bool valid_trust_domain_name(std::string_view name) {
  return !name.empty() && name.size() <= 255 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
  });
}

void read_tls(MapReader& parent, Listener& l) {
  auto f = parent.get("tls");
  if (!f) return;
  MapReader m(parent.ctx(), *f);
  if (!m.is_map()) return;
  Tls& tls = l.tls.emplace();
  tls.pos = m.pos();
  m.choice("source", tls.source, {{"files", TlsSource::files}, {"workload_api", TlsSource::workload_api}});
  m.boolean("require_client_cert", tls.require_client_cert);
  m.strings("trust_domains", tls.trust_domains);
  if (auto tf = m.get("trust_domains"))
    for (const auto& d : tls.trust_domains)
      if (!valid_trust_domain_name(d))
        m.ctx().error(tf->node, tf->path, "bad trust domain \"" + d + "\" (lowercase letters, digits, '.', '-', '_')");
  if (tls.source == TlsSource::workload_api) {
    // The agent supplies certificate, key and bundle: files here would silently be ignored.
    for (const char* key : {"cert", "key", "client_ca"})
      if (auto kf = m.get(key))
        m.ctx().error(kf->node, kf->path, "not used with source: workload_api (the SVID and bundles come from the agent)");
    if (auto sf = m.get("spiffe_id")) {
      m.string("spiffe_id", tls.spiffe_id);
      if (!tls.spiffe_id.starts_with("spiffe://")) m.ctx().error(sf->node, sf->path, "a SPIFFE ID starts with spiffe://");
    }
    return;
  }
  m.file_path("cert", tls.cert, true);
  m.file_path("key", tls.key, true);
  m.file_path("client_ca", tls.client_ca);
  if (tls.require_client_cert && tls.client_ca.empty() && !m.has("client_ca"))
    m.ctx().error(m.pos(), child_path(m.path(), "client_ca"),
                  "required when require_client_cert is true");
  if (!tls.trust_domains.empty() && tls.client_ca.empty() && !m.has("client_ca"))
    m.ctx().error(m.pos(), child_path(m.path(), "client_ca"), "required when trust_domains is set");
}
}  // namespace

void read_listeners(Context& ctx, const Field& f, std::vector<Listener>& out) {
  read_named_list(ctx, f, out, false, [](MapReader& m, Listener& l) {
    l.pos = m.pos();
    m.address("address", l.address);
    (void)m.require("port");
    m.port("port", l.port);
    m.uint("threads", l.threads, 1024);
    read_tls(m, l);
  });
  if (f.node.IsSequence() && f.node.size() == 0) ctx.error(f.node, f.path, "at least one listener is required");
}

void read_spiffe(Context& ctx, const Field& f, Spiffe& out) {
  MapReader m(ctx, f);
  if (!m.is_map()) return;
  auto wf = m.get("workload_api");
  if (!wf) return;
  MapReader w(ctx, *wf);
  if (!w.is_map()) return;
  SpiffeWorkloadApi& api = out.workload_api.emplace();
  api.pos = w.pos();
  if (auto sf = w.get("socket")) {
    w.string("socket", api.socket);
    // The endpoint forms of the SPIFFE Workload Endpoint spec; the full check (absolute path,
    // IP address) is the client's, at start.
    if (!api.socket.starts_with("unix:") && !api.socket.starts_with("tcp://"))
      ctx.error(sf->node, sf->path, "expected unix:///path/to/agent.sock or tcp://ip:port");
  }
  w.duration("startup_timeout", api.startup_timeout);
}

void read_sessions(Context& ctx, const Field& f, Sessions& out) {
  MapReader m(ctx, f);
  if (!m.is_map()) return;
  if (auto kf = m.get("key")) {
    if (auto s = ctx.scalar(kf->node, kf->path); s && !s->empty()) {
      auto key = parse_session_key(*s);
      // Never echo the value: it is a secret.
      if (auto* e = parse_error(key)) ctx.error(kf->node, kf->path, *e);
      else out.key = std::get<std::vector<std::uint8_t>>(std::move(key));
    }
  }
  m.duration("ttl", out.ttl);
}

void read_redis(Context& ctx, const Field& f, Redis& out) {
  MapReader m(ctx, f);
  if (!m.is_map()) return;
  m.url("url", out.url, {"redis", "rediss"}, true);
  m.choice("failure", out.failure, {{"open", FailureMode::open}, {"closed", FailureMode::closed}});
}

namespace {
bool is_loopback_address(const std::string& address) {
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(address, ec);
  return !ec && a.is_loopback();
}
}  // namespace

void read_admin(Context& ctx, const Field& f, Admin& out) {
  MapReader m(ctx, f);
  if (!m.is_map()) return;
  m.address("address", out.address);
  m.port("port", out.port);
  if (auto ff = m.get("fga_api")) {
    MapReader fm(ctx, *ff);
    if (!fm.is_map()) return;
    fm.boolean("enabled", out.fga_api.enabled);
    fm.string("token", out.fga_api.token);
    // The API writes the tuples the gateway authorizes with: open to the network only with a token.
    if (out.fga_api.enabled && out.fga_api.token.empty() && !is_loopback_address(out.address))
      ctx.error(fm.pos(), child_path(fm.path(), "token"),
                "required when admin.address is not a loopback address (\"" + out.address +
                    "\"): the API writes the tuples the gateway authorizes with");
  }
}

void read_limits(Context& ctx, const Field& f, Limits& out) {
  MapReader m(ctx, f);
  if (!m.is_map()) return;
  m.size("max_body", out.max_body);
  m.size("max_header", out.max_header);
  m.duration("request_timeout", out.request_timeout);
  m.duration("idle_timeout", out.idle_timeout);
  m.uint("max_sessions_per_principal", out.max_sessions_per_principal, 1'000'000);
  m.uint("max_streams_per_principal", out.max_streams_per_principal, 1'000'000);
  m.duration("session_idle", out.session_idle);
}

void read_log(Context& ctx, const Field& f, Log& out) {
  MapReader m(ctx, f);
  if (!m.is_map()) return;
  m.choice("level", out.level,
           {{"trace", Log::Level::trace}, {"debug", Log::Level::debug}, {"info", Log::Level::info},
            {"warn", Log::Level::warn}, {"error", Log::Level::error}});
  m.boolean("access", out.access);
}

void read_telemetry(Context& ctx, const Field& f, Telemetry& out) {
  MapReader m(ctx, f);
  if (!m.is_map()) return;
  m.string("access_log", out.access_log);
  m.string("audit_log", out.audit_log);
  // Log files are relative to the config file, like every other path in it.
  for (std::string* p : {&out.access_log, &out.audit_log})
    if (!p->empty() && *p != "-" && p->front() != '/') *p = (ctx.base_dir() / *p).lexically_normal().string();
  m.strings("log_headers", out.log_headers);
  m.url("otlp_url", out.otlp_url, {"http", "https"});
  m.string("service_name", out.service_name);
  if (auto r = m.get("sample_ratio")) {
    if (auto s = ctx.scalar(r->node, r->path)) {
      char* end = nullptr;
      const double v = std::strtod(s->c_str(), &end);
      if (s->empty() || end != s->c_str() + s->size() || !(v >= 0.0 && v <= 1.0))
        ctx.error(r->node, r->path, "sample_ratio must be a number from 0 to 1, not \"" + *s + "\"");
      else
        out.sample_ratio = v;
    }
  }
}

namespace {
// Two sockets on one port clash when the addresses are equal or either is a wildcard.
bool addresses_clash(const std::string& a, const std::string& b) {
  auto wildcard = [](const std::string& s) { return s == "0.0.0.0" || s == "::"; };
  return a == b || wildcard(a) || wildcard(b);
}
}  // namespace

void validate_references(Context& ctx, const Config& config) {
  for (std::size_t i = 0; i < config.listeners.size(); ++i) {
    const auto& l = config.listeners[i];
    if (l.tls && l.tls->source == TlsSource::workload_api && !(config.spiffe && config.spiffe->workload_api))
      ctx.error(l.tls->pos, index_path("listeners", i) + ".tls.source",
                "source: workload_api needs a spiffe: { workload_api: { socket: ... } } section");
    if (l.port == 0) continue;
    for (std::size_t j = 0; j < i; ++j) {
      const auto& o = config.listeners[j];
      if (o.port == l.port && addresses_clash(o.address, l.address))
        ctx.error(l.pos, index_path("listeners", i),
                  "listener \"" + l.name + "\" uses the same address and port as \"" + o.name + "\"");
    }
    if (config.admin && config.admin->port == l.port && addresses_clash(config.admin->address, l.address))
      ctx.error(l.pos, index_path("listeners", i),
                "listener \"" + l.name + "\" uses the admin address and port");
  }
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    const auto& r = config.routes[i];
    for (std::size_t j = 0; j < i; ++j) {
      const auto& o = config.routes[j];
      if (o.listener == r.listener && o.host == r.host && o.path == r.path)
        ctx.error(r.pos, index_path("routes", i),
                  "route \"" + r.name + "\" has the same listener, host and path as \"" + o.name + "\"");
    }
  }
}

}  // namespace gatehouse::config::detail

namespace gatehouse::config {
std::string_view to_string(TlsSource s) { return s == TlsSource::workload_api ? "workload_api" : "files"; }
}  // namespace gatehouse::config
