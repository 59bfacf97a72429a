#include "auth/validator.hpp"

#include <algorithm>
#include <cmath>

namespace gatehouse::auth {
namespace {

Unexpected reject(std::string msg, std::string reason) {
  return fail(Errc::unauthenticated, std::move(msg), std::move(reason));
}

// NumericDate: absent -> nullopt + ok; present but not a finite number -> error.
Result<std::optional<std::int64_t>> numeric_date(const boost::json::object& claims, std::string_view key) {
  auto it = claims.find(key);
  if (it == claims.end()) return std::optional<std::int64_t>{};
  const auto& v = it->value();
  double d = 0;
  if (v.is_int64()) d = static_cast<double>(v.as_int64());
  else if (v.is_uint64()) d = static_cast<double>(v.as_uint64());
  else if (v.is_double()) d = v.as_double();
  else return reject(std::string(key) + " is not a NumericDate", "jwt.malformed");
  if (!std::isfinite(d) || d < 0 || d > 1e12) return reject(std::string(key) + " is out of range", "jwt.malformed");
  return std::optional<std::int64_t>{static_cast<std::int64_t>(d)};
}

}  // namespace

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Result<Validator> Validator::create(ValidatorConfig config) {
  if (config.issuer.empty()) return fail(Errc::invalid_config, "jwt: issuer is required");
  if (config.audiences.empty()) return fail(Errc::invalid_config, "jwt: at least one audience is required");
  if (config.leeway < std::chrono::seconds(0) || config.leeway > kMaxLeeway)
    return fail(Errc::invalid_config, "jwt: clock skew leeway must be between 0 and 300 s");
  return Validator(std::move(config));
}

Result<Alg> Validator::check_header(const ParsedJws& jws) const {
  auto alg = parse_alg(jws.alg);
  if (!alg) return reject("token algorithm not accepted", "jwt.alg_not_allowed");
  if (!config_.algorithms.empty() &&
      std::find(config_.algorithms.begin(), config_.algorithms.end(), *alg) == config_.algorithms.end())
    return reject("token algorithm not accepted", "jwt.alg_not_allowed");
  if (config_.require_at_jwt && jws.typ != "at+jwt" && jws.typ != "application/at+jwt")
    return reject("token is not an access token (typ)", "jwt.bad_typ");
  return *alg;
}

Status Validator::check_signature(const ParsedJws& jws, Alg alg, const JwkSet& keys) const {
  auto candidates = keys.find(jws.kid);
  if (candidates.empty()) return reject("no key for the token's kid", "jwt.unknown_kid");
  bool any_fit = false;
  for (const Jwk* key : candidates) {
    if (!key_allows(*key, alg)) continue;
    any_fit = true;
    if (verify_signature(jws, alg, *key)) return {};
  }
  if (!any_fit) {
    // Without a kid, "no key fits" means we do not know the key; with one, it names a
    // key of another type or algorithm: an algorithm confusion attempt or a misissued token.
    if (jws.kid.empty()) return reject("no key for the token's algorithm", "jwt.unknown_kid");
    return reject("key does not allow the token's algorithm", "jwt.key_mismatch");
  }
  return reject("invalid token signature", "jwt.bad_signature");
}

Result<Identity> Validator::check_claims(ParsedJws jws, std::int64_t now) const {
  const auto& c = jws.payload;
  auto iss = c.find("iss");
  if (iss == c.end() || !iss->value().is_string() || iss->value().as_string() != config_.issuer)
    return reject("token issuer not accepted", "jwt.bad_issuer");

  bool aud_ok = false;
  auto accept_aud = [&](const boost::json::value& v) {
    if (v.is_string() && std::find(config_.audiences.begin(), config_.audiences.end(), v.as_string()) !=
                             config_.audiences.end())
      aud_ok = true;
  };
  if (auto aud = c.find("aud"); aud != c.end()) {
    if (aud->value().is_array())
      for (const auto& v : aud->value().as_array()) accept_aud(v);
    else
      accept_aud(aud->value());
  }
  if (!aud_ok) return reject("token audience not accepted", "jwt.bad_audience");

  const std::int64_t skew = config_.leeway.count();
  GH_TRY(auto exp, numeric_date(c, "exp"));
  GH_TRY(auto nbf, numeric_date(c, "nbf"));
  GH_TRY(auto iat, numeric_date(c, "iat"));
  if (!exp && config_.require_exp) return reject("token has no expiry", "jwt.missing_claim");
  if (exp && now >= *exp + skew) return reject("token expired", "jwt.expired");
  if (nbf && now + skew < *nbf) return reject("token not yet valid", "jwt.not_yet_valid");
  if (iat && now + skew < *iat) return reject("token issued in the future", "jwt.issued_in_future");

  for (const auto& path : config_.required_claims)
    if (!find_claim(c, path)) return reject("token lacks required claim " + path, "jwt.missing_claim");

  return identity_from_claims(std::move(jws.payload), config_.claim_paths, "jwt");
}

Result<Identity> Validator::validate(std::string_view token, const JwkSet& keys, std::int64_t now) const {
  GH_TRY(ParsedJws jws, parse_jws(token));
  GH_TRY(Alg alg, check_header(jws));
  GH_CHECK(check_signature(jws, alg, keys));
  return check_claims(std::move(jws), now);
}

}  // namespace gatehouse::auth
