// backends: targets (http | stdio | sse), failure and prefix modes, upstream credentials.
#include "config/sections.hpp"

namespace gatehouse::config::detail {
namespace {

void read_upstream_tls(MapReader& parent, HttpTarget& t) {
  auto f = parent.get("tls");
  if (!f) return;
  MapReader m(parent.ctx(), *f);
  if (!m.is_map()) return;
  UpstreamTls& tls = t.tls.emplace();
  tls.pos = m.pos();
  m.file_path("ca", tls.ca);
  m.string("server_name", tls.server_name);
  m.string("spiffe_id", tls.spiffe_id);
  m.file_path("cert", tls.cert);
  m.file_path("key", tls.key);
  if (!t.url.empty() && !t.url.starts_with("https://"))
    m.ctx().error(m.pos(), m.path(), "tls needs an https:// url");
  if (tls.cert.empty() != tls.key.empty())
    m.ctx().error(m.pos(), child_path(m.path(), tls.cert.empty() ? "cert" : "key"),
                  "cert and key go together");
  if (!tls.spiffe_id.empty() && !tls.spiffe_id.starts_with("spiffe://"))
    m.ctx().error(m.pos(), child_path(m.path(), "spiffe_id"), "a SPIFFE ID starts with spiffe://");
}

void read_http(MapReader& m, HttpTarget& t) {
  m.url("url", t.url, {"http", "https"}, true);
  m.pairs("headers", t.headers);
  read_upstream_tls(m, t);
}

void read_stdio(MapReader& m, StdioTarget& t) {
  m.string("command", t.command, true);
  // A bare name is looked up in PATH; anything with a '/' is a file next to the config.
  if (t.command.find('/') != std::string::npos) t.command = m.ctx().resolve_path(t.command);
  m.strings("args", t.args);
  m.pairs("env", t.env);
  m.file_path("cwd", t.cwd);
}

void read_target(MapReader& m, Target& t) {
  t.pos = m.pos();
  static constexpr std::string_view kKinds[] = {"http", "stdio", "sse"};
  int present = 0;
  for (auto k : kKinds) present += m.has(k) ? 1 : 0;
  if (present != 1) {
    m.ctx().error(m.pos(), m.path(),
                  present == 0 ? "a target needs one of http, stdio or sse"
                               : "a target has exactly one of http, stdio or sse");
  }
  if (auto f = m.get("http")) {
    MapReader sub(m.ctx(), *f);
    HttpTarget h;
    if (sub.is_map()) read_http(sub, h);
    t.transport = std::move(h);
  } else if (auto f = m.get("stdio")) {
    MapReader sub(m.ctx(), *f);
    StdioTarget s;
    if (sub.is_map()) read_stdio(sub, s);
    t.transport = std::move(s);
  } else if (auto f = m.get("sse")) {
    MapReader sub(m.ctx(), *f);
    SseTarget s;
    if (sub.is_map()) {
      // The legacy SSE client speaks plain HTTP only (no TLS yet): refused here, not at runtime.
      sub.url("url", s.url, {"http"}, true);
      sub.pairs("headers", s.headers);
    }
    t.transport = std::move(s);
  }
  // Mark the kinds not taken above as known so a second one is not also "unknown".
  for (auto k : kKinds) (void)m.get(k);
  m.duration("timeout", t.timeout);
  m.duration("connect_timeout", t.connect_timeout);
  if (std::holds_alternative<StdioTarget>(t.transport) && m.has("connect_timeout"))
    m.ctx().error(m.pos(), child_path(m.path(), "connect_timeout"), "applies to http and sse targets only");
}

void read_upstream_auth(MapReader& parent, UpstreamAuth& a) {
  auto f = parent.get("upstream_auth");
  if (!f) return;
  MapReader m(parent.ctx(), *f);
  if (!m.is_map()) return;
  using Mode = UpstreamAuth::Mode;
  if (!m.has("mode")) (void)m.require("mode");
  m.choice("mode", a.mode,
           {{"strip", Mode::strip}, {"passthrough", Mode::passthrough}, {"static", Mode::static_header},
            {"client_credentials", Mode::client_credentials}, {"token_exchange", Mode::token_exchange}});
  // Every field is read (so none is "unknown"); which ones a mode needs is checked below.
  m.string("header", a.header);
  m.string("value", a.value);
  m.string("value_env", a.value_env);
  m.url("token_url", a.token_url, {"http", "https"});
  m.string("client_id", a.client_id);
  m.string("client_secret", a.client_secret);
  m.string("scope", a.scope);
  m.string("audience", a.audience);
  m.string("resource", a.resource);
  auto need = [&](std::string_view key, const std::string& value) {
    if (value.empty())
      m.ctx().error(m.pos(), child_path(m.path(), key),
                    "required for mode " + std::string(to_string(a.mode)));
  };
  switch (a.mode) {
    case Mode::strip:
    case Mode::passthrough:
      break;
    case Mode::static_header:
      need("header", a.header);
      if (a.value.empty() == a.value_env.empty())
        m.ctx().error(m.pos(), m.path(), "mode static needs exactly one of value or value_env");
      break;
    case Mode::client_credentials:
    case Mode::token_exchange:
      need("token_url", a.token_url);
      need("client_id", a.client_id);
      break;
  }
}

}  // namespace

void read_backends(Context& ctx, const Field& f, std::vector<Backend>& out) {
  read_named_list(ctx, f, out, false, [](MapReader& m, Backend& b) {
    b.pos = m.pos();
    m.choice("prefix", b.prefix,
             {{"auto", PrefixMode::automatic}, {"always", PrefixMode::always}, {"never", PrefixMode::never}});
    m.choice("failure", b.failure, {{"open", FailureMode::open}, {"closed", FailureMode::closed}});
    if (auto tf = m.require("targets")) {
      read_named_list(m.ctx(), *tf, b.targets, true, read_target);
      if (tf->node.IsSequence() && tf->node.size() == 0)
        m.ctx().error(tf->node, tf->path, "at least one target is required");
    }
    read_upstream_auth(m, b.upstream_auth);
    if (auto rf = m.get("resilience")) {
      MapReader r(m.ctx(), *rf);
      if (r.is_map()) {
        r.uint("list_retries", b.resilience.list_retries, 5);
        r.uint("eject_after", b.resilience.eject_after, 1000);
        r.duration("eject_for", b.resilience.eject_for);
        r.duration("eject_max", b.resilience.eject_max);
      }
    }
  });
  if (f.node.IsSequence() && f.node.size() == 0) ctx.error(f.node, f.path, "at least one backend is required");
}

}  // namespace gatehouse::config::detail
