#include "auth/jwt_svid.hpp"

#include <algorithm>
#include <cmath>

#include "tls/spiffe_id.hpp"

namespace gatehouse::auth {
namespace {

Unexpected reject(std::string msg, std::string reason) {
  return fail(Errc::unauthenticated, std::move(msg), std::move(reason));
}

// The shared JWS code says jwt.<what>; a refused SVID is counted and logged as jwtsvid.<what>.
Error as_svid_error(Error e) {
  if (e.reason.rfind("jwt.", 0) == 0) e.reason = "jwtsvid." + e.reason.substr(4);
  return e;
}

// The JWT-SVID standard §2.1: RFC 7518 §3.3-3.5 only (EdDSA is not among them).
const std::vector<Alg> kSvidAlgorithms{Alg::rs256, Alg::rs384, Alg::rs512, Alg::es256, Alg::es384,
                                       Alg::es512, Alg::ps256, Alg::ps384, Alg::ps512};

// NumericDate claim: nullopt when absent; an error when present but not a sane number.
Result<std::optional<std::int64_t>> numeric_date(const boost::json::object& claims, std::string_view key) {
  auto it = claims.find(key);
  if (it == claims.end()) return std::optional<std::int64_t>{};
  if (!it->value().is_number()) return reject(std::string(key) + " is not a NumericDate", "jwtsvid.malformed");
  boost::system::error_code ec;
  double d = it->value().to_number<double>(ec);
  if (ec || !std::isfinite(d) || d < 0 || d > 1e12)
    return reject(std::string(key) + " is out of range", "jwtsvid.malformed");
  return std::optional<std::int64_t>{static_cast<std::int64_t>(d)};
}

// The token's sub as a SPIFFE ID, unverified.
Result<tls::SpiffeId> subject_of(const ParsedJws& jws) {
  auto sub = jws.payload.find("sub");
  if (sub == jws.payload.end() || !sub->value().is_string())
    return reject("token has no sub", "jwtsvid.bad_subject");
  auto id = tls::parse_spiffe_id(sub->value().as_string());
  if (!id) return reject("sub is not a SPIFFE ID", "jwtsvid.bad_subject");
  return id;
}

}  // namespace

Result<JwtSvidValidator> JwtSvidValidator::create(JwtSvidConfig config) {
  if (!tls::valid_trust_domain(config.trust_domain))
    return fail(Errc::invalid_config, "jwt-svid: trust_domain \"" + config.trust_domain + "\" is not a trust domain name");
  if (config.audience.empty()) return fail(Errc::invalid_config, "jwt-svid: audience is required");
  ValidatorConfig vc;
  vc.issuer = "spiffe://" + config.trust_domain;  // never compared: JWT-SVIDs have no iss rule
  vc.audiences = {config.audience};
  vc.algorithms = kSvidAlgorithms;
  vc.leeway = config.leeway;
  auto jws = Validator::create(std::move(vc));
  if (!jws) return fail(Errc::invalid_config, "jwt-svid: " + jws.error().message);
  return JwtSvidValidator(std::move(config), std::move(*jws));
}

Result<Alg> JwtSvidValidator::check_header(const ParsedJws& jws) const {
  auto alg = jws_.check_header(jws);
  if (!alg) return fail(as_svid_error(alg.error()));
  if (!jws.typ.empty() && jws.typ != "JWT" && jws.typ != "JOSE")
    return reject("a JWT-SVID's typ is JWT or JOSE", "jwtsvid.bad_typ");
  return alg;
}

Status JwtSvidValidator::check_signature(const ParsedJws& jws, Alg alg, const JwkSet& bundle) const {
  auto s = jws_.check_signature(jws, alg, bundle);
  if (!s) return fail(as_svid_error(s.error()));
  return {};
}

Status JwtSvidValidator::check_claims(const ParsedJws& jws, std::int64_t now) const {
  const auto& c = jws.payload;
  GH_TRY(tls::SpiffeId sub, subject_of(jws));
  if (sub.trust_domain != config_.trust_domain)
    return reject("SPIFFE trust domain not accepted", "jwtsvid.untrusted_domain");

  bool aud_ok = false;
  auto aud = c.find("aud");
  if (aud == c.end()) return reject("token has no aud", "jwtsvid.bad_audience");
  if (aud->value().is_string()) {
    aud_ok = aud->value().as_string() == config_.audience;
  } else if (aud->value().is_array()) {
    const auto& list = aud->value().as_array();
    aud_ok = std::any_of(list.begin(), list.end(),
                         [&](const boost::json::value& v) { return v.is_string() && v.as_string() == config_.audience; });
  }
  if (!aud_ok) return reject("token audience not accepted", "jwtsvid.bad_audience");

  const std::int64_t skew = config_.leeway.count();
  GH_TRY(auto exp, numeric_date(c, "exp"));
  GH_TRY(auto nbf, numeric_date(c, "nbf"));
  if (!exp) return reject("token has no exp", "jwtsvid.missing_claim");
  if (now >= *exp + skew) return reject("token expired", "jwtsvid.expired");
  if (nbf && now + skew < *nbf) return reject("token not yet valid", "jwtsvid.not_yet_valid");
  return {};
}

Identity JwtSvidValidator::identity(ParsedJws jws) const {
  std::string subject(jws.payload.at("sub").as_string());  // check_claims saw a SPIFFE ID there
  Identity id = identity_from_claims(std::move(jws.payload), ClaimPaths{}, "jwt-svid");
  id.subject = subject;
  id.issuer = "spiffe://" + config_.trust_domain;
  id.client_id = subject;
  // Roles and scopes are not part of a JWT-SVID: policies name workloads by SPIFFE ID.
  id.roles.clear();
  id.groups.clear();
  id.scopes = config_.scopes;
  return id;
}

Result<Identity> JwtSvidValidator::validate(std::string_view token, const JwkSet& bundle, std::int64_t now) const {
  auto parsed = parse_jws(token);
  if (!parsed) return fail(as_svid_error(parsed.error()));
  GH_TRY(Alg alg, check_header(*parsed));
  GH_CHECK(check_signature(*parsed, alg, bundle));
  GH_CHECK(check_claims(*parsed, now));
  return identity(std::move(*parsed));
}

bool JwtSvidAuthenticator::claims_token(const ParsedJws& jws) const { return provider_for(jws) != nullptr; }

const JwtSvidProvider* JwtSvidAuthenticator::provider_for(const ParsedJws& jws) const {
  auto sub = subject_of(jws);
  if (!sub) return nullptr;
  for (const auto& p : providers_)
    if (p.validator.config().trust_domain == sub->trust_domain) return &p;
  return nullptr;
}

Result<std::shared_ptr<const Identity>> JwtSvidAuthenticator::authenticate(std::string_view token,
                                                                            std::int64_t now) const {
  auto parsed = parse_jws(token);
  if (!parsed) return fail(as_svid_error(parsed.error()));
  const JwtSvidProvider* p = provider_for(*parsed);
  if (!p) {
    auto sub = subject_of(*parsed);
    if (!sub) return sub.propagate();
    return reject("SPIFFE trust domain not accepted", "jwtsvid.untrusted_domain");
  }
  const auto& v = p->validator;
  GH_TRY(Alg alg, v.check_header(*parsed));
  auto bundle = p->bundles->current(v.config().trust_domain);
  if (!bundle) return reject("no bundle for the trust domain", "jwtsvid.no_bundle");
  GH_CHECK(v.check_signature(*parsed, alg, *bundle));
  GH_CHECK(v.check_claims(*parsed, now));
  return share_identity(v.identity(std::move(*parsed)));
}

}  // namespace gatehouse::auth
