// routes: matching (listener, host, path), the backend, and the per-route policies
// (auth, policy rules, fga, rate limits, cors). References are checked as they are read.
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <set>

#include "config/sections.hpp"

namespace gatehouse::config::detail {
namespace {

constexpr std::string_view kAlgorithms[] = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                             "ES256", "ES384", "ES512", "EdDSA"};

std::vector<std::string> names_of(const auto& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.name);
  return out;
}

void read_origins(MapReader& m, std::string_view key, std::vector<std::string>& out) {
  auto f = m.get(key);
  if (!f) return;
  for_each_item(m.ctx(), *f, [&](const Field& item, std::size_t) {
    auto s = m.ctx().scalar(item.node, item.path);
    if (!s) return;
    auto o = parse_origin(*s);
    if (auto* e = parse_error(o)) m.ctx().error(item.node, item.path, *e);
    else out.push_back(std::get<std::string>(std::move(o)));
  });
}

void read_claims(MapReader& parent, ClaimNames& c) {
  auto f = parent.get("claims");
  if (!f) return;
  MapReader m(parent.ctx(), *f);
  if (!m.is_map()) return;
  m.string("roles", c.roles);
  m.string("groups", c.groups);
  m.string("scopes", c.scopes);
  m.string("client_id", c.client_id);
}

bool is_sha256_hex(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c));
         });
}

bool valid_trust_domain(const std::string& s) {
  return !s.empty() && s.size() <= 255 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
         });
}

// spiffe: JWT-SVIDs of one trust domain.
void read_spiffe_provider(MapReader& parent, SpiffeProviderSpec& s) {
  auto f = parent.get("spiffe");
  if (!f) return;
  MapReader m(parent.ctx(), *f);
  if (!m.is_map()) return;
  m.string("trust_domain", s.trust_domain, true);
  if (auto tf = m.get("trust_domain"); tf && !s.trust_domain.empty() && !valid_trust_domain(s.trust_domain))
    m.ctx().error(tf->node, tf->path, "not a trust domain name (lowercase letters, digits, '.', '-', '_'; no scheme)");
  m.string("audience", s.audience, true);
  m.file_path("bundle_file", s.bundle_file);
  using B = SpiffeProviderSpec::Bundle;
  m.choice("bundle", s.bundle, {{"file", B::file}, {"workload_api", B::workload_api}});
  if (s.bundle == B::workload_api) {
    // The top-level spiffe.workload_api section is read after the routes: checked when built.
    if (!s.bundle_file.empty())
      m.ctx().error(m.pos(), child_path(m.path(), "bundle_file"), "bundle_file and bundle: workload_api exclude each other");
  } else if (s.bundle_file.empty() && !m.has("bundle_file")) {
    m.ctx().error(m.pos(), child_path(m.path(), "bundle_file"), "missing required field (the trust domain's SPIFFE bundle)");
  }
}

void read_provider(MapReader& m, ProviderSpec& p) {
  Context& ctx = m.ctx();
  bool jwt = m.has("issuer");
  bool keys = m.has("api_keys");
  bool svid = m.has("spiffe");
  if (svid && (jwt || keys)) {
    ctx.error(m.pos(), m.path(), "a provider has one of issuer (JWT), spiffe (JWT-SVID) or api_keys");
  } else if (!svid && jwt == keys) {
    ctx.error(m.pos(), m.path(),
              jwt ? "a provider has either issuer (JWT) or api_keys, not both"
                  : "a provider needs issuer (JWT), spiffe (JWT-SVID) or api_keys");
  }
  p.kind = svid ? ProviderSpec::Kind::jwt_svid : keys && !jwt ? ProviderSpec::Kind::api_keys : ProviderSpec::Kind::jwt;
  read_spiffe_provider(m, p.spiffe);
  m.url("issuer", p.issuer, {"http", "https"});
  m.string("audience", p.audience);
  m.url("jwks_url", p.jwks_url, {"http", "https"});
  m.file_path("jwks_file", p.jwks_file);
  if (!p.jwks_url.empty() && !p.jwks_file.empty())
    ctx.error(m.pos(), child_path(m.path(), "jwks_file"), "jwks_url and jwks_file exclude each other");
  if (auto af = m.get("algorithms")) {
    std::vector<std::string> algs;
    for_each_item(ctx, *af, [&](const Field& item, std::size_t) {
      auto s = ctx.scalar(item.node, item.path);
      if (!s) return;
      if (std::find(std::begin(kAlgorithms), std::end(kAlgorithms), *s) == std::end(kAlgorithms)) {
        std::string msg = "unsupported algorithm \"" + *s + "\"";
        if (*s == "none" || s->rfind("HS", 0) == 0) msg += " (only asymmetric algorithms are accepted)";
        else if (auto near = closest(*s, std::vector<std::string>(std::begin(kAlgorithms), std::end(kAlgorithms))))
          msg += " (did you mean \"" + *near + "\"?)";
        ctx.error(item.node, item.path, msg);
      } else {
        algs.push_back(std::move(*s));
      }
    });
    if (af->node.IsSequence() && af->node.size() == 0) ctx.error(af->node, af->path, "must not be empty");
    if (!algs.empty()) p.algorithms = std::move(algs);
  }
  m.string("require_typ", p.require_typ);
  m.duration("clock_skew", p.clock_skew, false);
  read_claims(m, p.claims);
  if (jwt && !keys && p.audience.empty() && !m.has("audience"))
    ctx.error(m.pos(), child_path(m.path(), "audience"), "missing required field (JWT providers check the audience)");
  if (auto kf = m.get("api_keys")) {
    read_named_list(ctx, *kf, p.api_keys, false, [](MapReader& km, ApiKeySpec& k) {
      std::string hash;
      km.string("sha256", hash, true);
      if (!hash.empty() && !is_sha256_hex(hash)) {
        // Never echo the value.
        if (auto hf = km.get("sha256")) km.ctx().error(hf->node, hf->path, "must be 64 hex digits (SHA-256 of the key)");
      }
      std::transform(hash.begin(), hash.end(), hash.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      k.sha256 = std::move(hash);
      km.strings("roles", k.roles);
    });
    if (kf->node.IsSequence() && kf->node.size() == 0) ctx.error(kf->node, kf->path, "must not be empty");
  }
}

void read_as_helper(MapReader& parent, const AuthSpec& auth, std::optional<AsHelperSpec>& out) {
  auto f = parent.get("authorization_server");
  if (!f) return;
  AsHelperSpec& h = out.emplace();
  MapReader m(parent.ctx(), *f);
  if (!m.is_map()) return;
  m.string("provider", h.provider);
  m.boolean("add_pkce_s256", h.add_pkce_s256);
  m.boolean("add_token_auth_none", h.add_token_auth_none);
  m.strings("scopes_supported", h.scopes_supported);
  std::vector<const ProviderSpec*> jwt;
  for (const auto& p : auth.providers)
    if (p.kind == ProviderSpec::Kind::jwt && (h.provider.empty() || p.name == h.provider)) jwt.push_back(&p);
  if (!h.provider.empty() && jwt.empty()) {
    auto pf = m.get("provider");
    m.ctx().error(pf->node, pf->path, "no JWT provider named \"" + h.provider + "\" on this route");
  } else if (jwt.size() != 1 && !auth.providers.empty()) {
    m.ctx().error(m.pos(), m.path(),
                  jwt.empty() ? "needs a JWT provider (issuer) on this route"
                              : "several JWT providers: name the one to front with provider");
  }
  auto rf = m.get("registration");
  if (!rf) return;
  MapReader r(m.ctx(), *rf);
  if (!r.is_map()) return;
  using R = AsHelperSpec::Registration;
  if (!r.has("mode")) (void)r.require("mode");
  r.choice("mode", h.registration, {{"forward", R::forward}, {"fixed", R::fixed}});
  r.url("endpoint", h.registration_endpoint, {"http", "https"});
  r.string("initial_access_token", h.initial_access_token);
  r.string("client_id", h.client_id);
  r.strings("redirect_uris", h.redirect_uris);
  r.uint("per_minute", h.registrations_per_minute, 100000);
  if (h.registration == R::fixed) {
    if (h.client_id.empty()) r.ctx().error(r.pos(), child_path(r.path(), "client_id"), "required for mode fixed");
    if (h.redirect_uris.empty())
      r.ctx().error(r.pos(), child_path(r.path(), "redirect_uris"),
                    "required for mode fixed (the redirect URIs registered for the client at the IdP)");
  }
  if (h.registration == R::forward && (!h.client_id.empty() || !h.redirect_uris.empty()))
    r.ctx().error(r.pos(), r.path(), "client_id and redirect_uris belong to mode fixed");
}

void read_auth(MapReader& parent, std::optional<AuthSpec>& out) {
  auto f = parent.get("auth");
  if (!f) return;
  AuthSpec& a = out.emplace();
  MapReader m(parent.ctx(), *f);
  if (!m.is_map()) return;
  m.boolean("required", a.required);
  m.strings("scopes", a.scopes);
  if (auto pf = m.require("providers")) {
    read_named_list(m.ctx(), *pf, a.providers, false, read_provider);
    if (pf->node.IsSequence() && pf->node.size() == 0)
      m.ctx().error(pf->node, pf->path, "at least one provider is required");
  }
  read_as_helper(m, a, a.authorization_server);
}

void read_rules(MapReader& m, std::string_view key, std::vector<PolicyRule>& out,
                std::set<std::string>& names) {
  auto f = m.get(key);
  if (!f) return;
  for_each_item(m.ctx(), *f, [&](const Field& item, std::size_t) {
    MapReader rm(m.ctx(), item);
    if (!rm.is_map()) return;
    PolicyRule rule;
    rm.string("name", rule.name, true);
    if (auto nf = rm.get("name"); nf && !rule.name.empty()) {
      if (!valid_label(rule.name)) rm.ctx().error(nf->node, nf->path, "bad name \"" + rule.name + "\"");
      else if (!names.insert(rule.name).second)
        rm.ctx().error(nf->node, nf->path, "duplicate rule name \"" + rule.name + "\"");
    }
    rm.expr("when", rule.when, true);
    out.push_back(std::move(rule));
  });
}

void read_policy(MapReader& parent, std::optional<PolicySpec>& out) {
  auto f = parent.get("policy");
  if (!f) return;
  PolicySpec& p = out.emplace();
  MapReader m(parent.ctx(), *f);
  if (!m.is_map()) return;
  m.choice("hidden", p.hidden, {{"unknown", PolicySpec::Hidden::unknown}, {"deny", PolicySpec::Hidden::deny}});
  std::set<std::string> names;
  read_rules(m, "deny", p.deny, names);
  read_rules(m, "require", p.require, names);
  read_rules(m, "allow", p.allow, names);
}

void read_fga(MapReader& parent, std::optional<FgaSpec>& out) {
  auto f = parent.get("fga");
  if (!f) return;
  FgaSpec& fga = out.emplace();
  MapReader m(parent.ctx(), *f);
  if (!m.is_map()) return;
  // Exactly one of model_file (embedded engine) and remote; with neither, model_file is the
  // one reported missing (the common case).
  if (auto rf = m.get("remote")) {
    MapReader rm(m.ctx(), *rf);
    FgaRemote& remote = fga.remote.emplace();
    if (rm.is_map()) {
      rm.url("url", remote.url, {"http", "https"}, true);
      // The client (auth::make_beast_fetch) refuses plain http beyond loopback at call time;
      // said here at load instead of as a deny on every call.
      if (auto uf = rm.get("url"); uf && remote.url.starts_with("http://")) {
        auto u = boost::urls::parse_absolute_uri(remote.url);
        const std::string host = u ? std::string(u->host_address()) : "";
        if (u && host != "127.0.0.1" && host != "::1" && host != "localhost")
          rm.ctx().error(uf->node, uf->path, "plain http only to loopback (127.0.0.1, ::1, localhost); use https");
      }
      rm.string("store_id", remote.store_id, true);
      rm.string("model_id", remote.model_id);
      rm.string("token", remote.token);
      rm.duration("timeout", remote.timeout);
      rm.file_path("ca", remote.ca);
    }
    for (std::string_view local : {"model_file", "tuples_file", "store"})
      if (auto lf = m.get(local))
        m.ctx().error(lf->node, lf->path, "excludes remote (the remote server holds the model and tuples)");
  } else {
    m.file_path("model_file", fga.model_file, true);
  }
  m.file_path("tuples_file", fga.tuples_file);
  if (auto cf = m.get("cache")) {
    MapReader cm(m.ctx(), *cf);
    if (cm.is_map()) {
      // `ttl: 0` (no unit) is the documented way to turn the cache off.
      auto ttl = cm.get("ttl");
      if (ttl && ttl->node.IsScalar() && ttl->node.Scalar() == "0") fga.cache.ttl = Duration::zero();
      else cm.duration("ttl", fga.cache.ttl, false);
      cm.uint64("max_entries", fga.cache.max_entries);
      if (cm.has("max_entries") && fga.cache.max_entries == 0)
        cm.ctx().error(cm.pos(), child_path(cm.path(), "max_entries"), "must be at least 1 (use ttl: 0 to turn the cache off)");
    }
  }
  if (auto sf = m.get("store")) {
    MapReader sm(m.ctx(), *sf);
    if (sm.is_map()) {
      using Kind = FgaStore::Kind;
      (void)sm.require("kind");
      sm.choice("kind", fga.store.kind, {{"memory", Kind::memory}, {"sqlite", Kind::sqlite}, {"postgres", Kind::postgres}});
      sm.file_path("path", fga.store.path);
      sm.string("dsn", fga.store.dsn);
      if (fga.store.kind == Kind::sqlite && fga.store.path.empty() && sm.has("kind"))
        sm.ctx().error(sm.pos(), child_path(sm.path(), "path"), "required for kind sqlite");
      if (fga.store.kind == Kind::postgres && fga.store.dsn.empty() && sm.has("kind"))
        sm.ctx().error(sm.pos(), child_path(sm.path(), "dsn"), "required for kind postgres");
    }
  }
  if (auto cf = m.require("check")) {
    MapReader cm(m.ctx(), *cf);
    if (cm.is_map()) {
      cm.expr("user", fga.check.user, true);
      cm.expr("relation", fga.check.relation, true);
      cm.expr("object", fga.check.object, true);
    }
  }
}

void read_rate_limits(MapReader& parent, std::vector<RateLimitRule>& out, const Config& known) {
  auto f = parent.get("rate_limits");
  if (!f) return;
  read_named_list(parent.ctx(), *f, out, false, [&](MapReader& m, RateLimitRule& r) {
    m.expr("key", r.key, true);
    if (auto rf = m.require("rate")) {
      if (auto s = m.ctx().scalar(rf->node, rf->path)) {
        auto rate = parse_rate(*s);
        if (auto* e = parse_error(rate)) m.ctx().error(rf->node, rf->path, *e);
        else r.rate = std::get<Rate>(rate);
      }
    }
    r.burst = r.rate.tokens;
    m.uint64("burst", r.burst);
    if (m.has("burst") && r.burst == 0) m.ctx().error(m.pos(), child_path(m.path(), "burst"), "must be more than 0");
    m.choice("store", r.store, {{"local", RateLimitRule::Store::local}, {"redis", RateLimitRule::Store::redis}});
    if (r.store == RateLimitRule::Store::redis && !known.redis)
      m.ctx().error(m.pos(), child_path(m.path(), "store"), "store redis needs a top-level redis section");
  });
}

void read_cors(MapReader& parent, std::optional<CorsSpec>& out) {
  auto f = parent.get("cors");
  if (!f) return;
  CorsSpec& c = out.emplace();
  MapReader m(parent.ctx(), *f);
  if (!m.is_map()) return;
  read_origins(m, "allowed_origins", c.allowed_origins);
  m.duration("max_age", c.max_age, false);
}

void read_reference(MapReader& m, std::string_view key, std::string& out, std::string_view what,
                    const std::vector<std::string>& names) {
  auto f = m.require(key);
  if (!f) return;
  auto s = m.ctx().scalar(f->node, f->path);
  if (!s) return;
  if (std::find(names.begin(), names.end(), *s) == names.end())
    m.ctx().error(f->node, f->path, unknown_reference(what, *s, names));
  out = std::move(*s);
}

}  // namespace

void read_routes(Context& ctx, const Field& f, std::vector<Route>& out, const Config& known) {
  auto listeners = names_of(known.listeners);
  auto backends = names_of(known.backends);
  read_named_list(ctx, f, out, false, [&](MapReader& m, Route& r) {
    r.pos = m.pos();
    read_reference(m, "listener", r.listener, "listener", listeners);
    m.string("host", r.host);
    if (auto pf = m.require("path")) {
      if (auto s = ctx.scalar(pf->node, pf->path)) {
        if (s->empty() || (*s)[0] != '/') ctx.error(pf->node, pf->path, "path must start with '/'");
        else r.path = std::move(*s);
      }
    }
    read_reference(m, "backend", r.backend, "backend", backends);
    m.url("public_url", r.public_url, {"http", "https"});
    read_origins(m, "allowed_origins", r.allowed_origins);
    read_auth(m, r.auth);
    read_policy(m, r.policy);
    read_fga(m, r.fga);
    read_rate_limits(m, r.rate_limits, known);
    read_cors(m, r.cors);
  });
  if (f.node.IsSequence() && f.node.size() == 0) ctx.error(f.node, f.path, "at least one route is required");
}

}  // namespace gatehouse::config::detail
