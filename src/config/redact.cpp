#include "config/redact.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace gatehouse::config {
namespace json = boost::json;

namespace {

json::string secret(const std::string& value) {
  return json::string(value.empty() ? std::string_view() : kRedacted);
}

json::array strings(const std::vector<std::string>& v) {
  json::array out;
  for (const auto& s : v) out.emplace_back(s);
  return out;
}

// Names stay visible (they say what is configured); values are secrets.
json::object redacted_pairs(const StringPairs& pairs) {
  json::object out;
  for (const auto& [name, value] : pairs) out[name] = secret(value);
  return out;
}

json::value expr(const Expr& e) { return json::string(e.source); }

json::value listener(const Listener& l) {
  json::object o{{"name", l.name}, {"address", l.address}, {"port", l.port}, {"threads", l.threads}};
  if (l.tls) {
    o["tls"] = json::object{{"source", to_string(l.tls->source)},
                            {"cert", l.tls->cert},
                            {"key", l.tls->key},
                            {"client_ca", l.tls->client_ca},
                            {"require_client_cert", l.tls->require_client_cert}};
  }
  return o;
}

json::value provider(const ProviderSpec& p) {
  json::object o{{"name", p.name}};
  if (p.kind == ProviderSpec::Kind::api_keys) {
    json::array keys;
    for (const auto& k : p.api_keys)
      keys.push_back(json::object{{"name", k.name}, {"sha256", secret(k.sha256)}, {"roles", strings(k.roles)}});
    o["api_keys"] = std::move(keys);
    return o;
  }
  if (p.kind == ProviderSpec::Kind::jwt_svid) {
    const auto& s = p.spiffe;
    o["spiffe"] = json::object{{"trust_domain", s.trust_domain},
                               {"audience", s.audience},
                               {"bundle", s.bundle == SpiffeProviderSpec::Bundle::file ? "file" : "workload_api"},
                               {"bundle_file", s.bundle_file}};
    o["clock_skew"] = format_duration(p.clock_skew);
    return o;
  }
  o["issuer"] = redact_url(p.issuer);
  o["audience"] = p.audience;
  o["jwks_url"] = redact_url(p.jwks_url);
  o["jwks_file"] = p.jwks_file;
  o["algorithms"] = strings(p.algorithms);
  o["require_typ"] = p.require_typ;
  o["clock_skew"] = format_duration(p.clock_skew);
  o["claims"] = json::object{{"roles", p.claims.roles},
                             {"groups", p.claims.groups},
                             {"scopes", p.claims.scopes},
                             {"client_id", p.claims.client_id}};
  return o;
}

json::array rules(const std::vector<PolicyRule>& rs) {
  json::array out;
  for (const auto& r : rs) out.push_back(json::object{{"name", r.name}, {"when", expr(r.when)}});
  return out;
}

json::value route(const Route& r) {
  json::object o{{"name", r.name},         {"listener", r.listener},
                 {"host", r.host},         {"path", r.path},
                 {"backend", r.backend},   {"public_url", redact_url(r.public_url)},
                 {"allowed_origins", strings(r.allowed_origins)}};
  if (r.auth) {
    json::array providers;
    for (const auto& p : r.auth->providers) providers.push_back(provider(p));
    o["auth"] = json::object{{"required", r.auth->required},
                             {"scopes", strings(r.auth->scopes)},
                             {"providers", std::move(providers)}};
    if (const auto& h = r.auth->authorization_server) {
      using R = AsHelperSpec::Registration;
      const char* mode = h->registration == R::forward ? "forward" : h->registration == R::fixed ? "fixed" : "none";
      o["auth"].as_object()["authorization_server"] = json::object{
          {"provider", h->provider},
          {"add_pkce_s256", h->add_pkce_s256},
          {"add_token_auth_none", h->add_token_auth_none},
          {"scopes_supported", strings(h->scopes_supported)},
          {"registration", json::object{{"mode", mode},
                                        {"endpoint", redact_url(h->registration_endpoint)},
                                        {"initial_access_token", secret(h->initial_access_token)},
                                        {"client_id", h->client_id},
                                        {"redirect_uris", strings(h->redirect_uris)},
                                        {"per_minute", h->registrations_per_minute}}}};
    }
  }
  if (r.policy) {
    o["policy"] = json::object{{"hidden", to_string(r.policy->hidden)},
                               {"deny", rules(r.policy->deny)},
                               {"require", rules(r.policy->require)},
                               {"allow", rules(r.policy->allow)}};
  }
  if (r.fga) {
    json::object store{{"kind", to_string(r.fga->store.kind)}};
    if (!r.fga->store.path.empty()) store["path"] = r.fga->store.path;
    if (!r.fga->store.dsn.empty()) store["dsn"] = kRedacted;  // may carry a password
    o["fga"] = json::object{{"model_file", r.fga->model_file},
                            {"tuples_file", r.fga->tuples_file},
                            {"store", std::move(store)},
                            {"check", json::object{{"user", expr(r.fga->check.user)},
                                                   {"relation", expr(r.fga->check.relation)},
                                                   {"object", expr(r.fga->check.object)}}},
                            {"cache", json::object{{"ttl", format_duration(r.fga->cache.ttl)},
                                                   {"max_entries", r.fga->cache.max_entries}}}};
    if (const auto& remote = r.fga->remote) {
      o["fga"].as_object()["remote"] = json::object{{"url", remote->url},
                                                    {"store_id", remote->store_id},
                                                    {"model_id", remote->model_id},
                                                    {"token", secret(remote->token)},
                                                    {"ca", remote->ca},
                                                    {"timeout", format_duration(remote->timeout)}};
    }
  }
  json::array limits;
  for (const auto& l : r.rate_limits) {
    limits.push_back(json::object{
        {"name", l.name},
        {"key", expr(l.key)},
        {"rate", std::to_string(l.rate.tokens) + "/" + format_duration(l.rate.per)},
        {"burst", l.burst},
        {"store", to_string(l.store)}});
  }
  o["rate_limits"] = std::move(limits);
  if (r.cors) {
    o["cors"] = json::object{{"allowed_origins", strings(r.cors->allowed_origins)},
                             {"max_age", format_duration(r.cors->max_age)}};
  }
  return o;
}

json::value target(const Target& t) {
  json::object o{{"name", t.name}, {"timeout", format_duration(t.timeout)}};
  if (const auto* h = std::get_if<HttpTarget>(&t.transport)) {
    o["http"] = json::object{{"url", redact_url(h->url)}, {"headers", redacted_pairs(h->headers)}};
    if (h->tls) {
      o["http"].as_object()["tls"] = json::object{{"ca", h->tls->ca},
                                                   {"server_name", h->tls->server_name},
                                                   {"spiffe_id", h->tls->spiffe_id},
                                                   {"cert", h->tls->cert},
                                                   {"key", h->tls->key}};
    }
  } else if (const auto* s = std::get_if<StdioTarget>(&t.transport)) {
    o["stdio"] = json::object{{"command", s->command},
                              {"args", strings(s->args)},
                              {"env", redacted_pairs(s->env)},
                              {"cwd", s->cwd}};
  } else if (const auto* e = std::get_if<SseTarget>(&t.transport)) {
    o["sse"] = json::object{{"url", redact_url(e->url)}, {"headers", redacted_pairs(e->headers)}};
  }
  return o;
}

json::value upstream_auth(const UpstreamAuth& a) {
  json::object o{{"mode", to_string(a.mode)}};
  switch (a.mode) {
    case UpstreamAuth::Mode::strip:
    case UpstreamAuth::Mode::passthrough:
      break;
    case UpstreamAuth::Mode::static_header:
      o["header"] = a.header;
      if (!a.value.empty()) o["value"] = kRedacted;
      if (!a.value_env.empty()) o["value_env"] = a.value_env;  // a variable name, not a secret
      break;
    case UpstreamAuth::Mode::client_credentials:
    case UpstreamAuth::Mode::token_exchange:
      o["token_url"] = redact_url(a.token_url);
      o["client_id"] = a.client_id;
      o["client_secret"] = secret(a.client_secret);
      o["scope"] = a.scope;
      o["audience"] = a.audience;
      o["resource"] = a.resource;
      break;
  }
  return o;
}

json::value backend(const Backend& b) {
  json::array targets;
  for (const auto& t : b.targets) targets.push_back(target(t));
  return json::object{{"name", b.name},
                      {"prefix", to_string(b.prefix)},
                      {"failure", to_string(b.failure)},
                      {"targets", std::move(targets)},
                      {"upstream_auth", upstream_auth(b.upstream_auth)},
                      {"resilience", json::object{{"list_retries", b.resilience.list_retries},
                                                  {"eject_after", b.resilience.eject_after},
                                                  {"eject_for", format_duration(b.resilience.eject_for)},
                                                  {"eject_max", format_duration(b.resilience.eject_max)}}}};
}

}  // namespace

std::string format_duration(Duration d) {
  auto ms = d.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string redact_url(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u) return std::string(url);
  if (!u->has_password()) return std::string(url);
  std::string out(u->scheme());
  out += "://";
  out += std::string_view(u->encoded_user());
  out += ":";
  out += kRedacted;
  out += "@";
  out += std::string_view(u->encoded_host_and_port());
  out += std::string_view(u->encoded_resource());
  return out;
}

json::value to_redacted_json(const Config& c) {
  json::array listeners, routes, backends;
  for (const auto& l : c.listeners) listeners.push_back(listener(l));
  for (const auto& r : c.routes) routes.push_back(route(r));
  for (const auto& b : c.backends) backends.push_back(backend(b));
  json::object o{
      {"source", c.source},
      {"listeners", std::move(listeners)},
      {"routes", std::move(routes)},
      {"backends", std::move(backends)},
      // An empty key means one is generated at start: say so rather than show "".
      {"sessions", json::object{{"key", c.sessions.key.empty() ? json::string("[generated]")
                                                               : json::string(kRedacted)},
                                {"ttl", format_duration(c.sessions.ttl)}}},
      {"limits", json::object{{"max_body", c.limits.max_body},
                              {"max_header", c.limits.max_header},
                              {"request_timeout", format_duration(c.limits.request_timeout)},
                              {"idle_timeout", format_duration(c.limits.idle_timeout)},
                              {"max_sessions_per_principal", c.limits.max_sessions_per_principal},
                              {"max_streams_per_principal", c.limits.max_streams_per_principal},
                              {"session_idle", format_duration(c.limits.session_idle)}}},
      {"log", json::object{{"level", to_string(c.log.level)}, {"access", c.log.access}}},
  };
  if (c.telemetry) {
    json::array headers;
    for (const auto& h : c.telemetry->log_headers) headers.emplace_back(h);
    o["telemetry"] = json::object{{"access_log", c.telemetry->access_log}, {"audit_log", c.telemetry->audit_log},
                                  {"log_headers", std::move(headers)}, {"otlp_url", redact_url(c.telemetry->otlp_url)},
                                  {"sample_ratio", c.telemetry->sample_ratio}, {"service_name", c.telemetry->service_name}};
  }
  if (c.redis)
    o["redis"] = json::object{{"url", redact_url(c.redis->url)}, {"failure", to_string(c.redis->failure)}};
  if (c.admin)
    o["admin"] = json::object{
        {"address", c.admin->address},
        {"port", c.admin->port},
        {"fga_api", json::object{{"enabled", c.admin->fga_api.enabled}, {"token", secret(c.admin->fga_api.token)}}}};
  if (c.spiffe && c.spiffe->workload_api)
    o["spiffe"] = json::object{{"workload_api", json::object{{"socket", c.spiffe->workload_api->socket},
                                                             {"startup_timeout", format_duration(c.spiffe->workload_api->startup_timeout)}}}};
  return o;
}

}  // namespace gatehouse::config
