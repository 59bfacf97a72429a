// SPIFFE JWT-SVIDs as bearer credentials (SPIFFE JWT-SVID standard): the signature is checked
// by the JWT code (Validator::check_header/check_signature); what differs lives here: keys
// from a trust domain's bundle, sub a SPIFFE ID of that trust domain, aud and exp required,
// no iss rule. Immutable after creation, thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/identity.hpp"
#include "auth/jwt_bundle_source.hpp"
#include "auth/validator.hpp"
#include "core/result.hpp"

namespace gatehouse::auth {

struct JwtSvidConfig {
  std::string trust_domain;  // sub must be spiffe://<trust_domain>/...
  std::string audience;      // aud must contain it
  std::chrono::seconds leeway{60};
  std::vector<std::string> scopes;  // granted to every accepted SVID (the route's scopes)
};

// Reasons (Errc::unauthenticated): jwtsvid.malformed, jwtsvid.too_large, jwtsvid.alg_not_allowed,
// jwtsvid.bad_typ, jwtsvid.unknown_kid, jwtsvid.key_mismatch, jwtsvid.bad_signature,
// jwtsvid.bad_subject, jwtsvid.untrusted_domain, jwtsvid.bad_audience, jwtsvid.missing_claim,
// jwtsvid.expired, jwtsvid.not_yet_valid, jwtsvid.no_bundle.
class JwtSvidValidator {
 public:
  // invalid_config: trust domain not a valid name, empty audience, leeway above kMaxLeeway.
  static Result<JwtSvidValidator> create(JwtSvidConfig config);

  const JwtSvidConfig& config() const { return config_; }

  // Everything but the signature: alg (RS/ES/PS only), typ (JWT or JOSE when present),
  // sub, aud, exp/nbf. Cheap; run before looking for keys.
  Result<Alg> check_header(const ParsedJws& jws) const;
  Status check_claims(const ParsedJws& jws, std::int64_t now) const;
  // `bundle`: the trust domain's JWT authorities (jwt-svid keys only).
  Status check_signature(const ParsedJws& jws, Alg alg, const JwkSet& bundle) const;
  // method "jwt-svid", subject the SPIFFE ID, issuer spiffe://<trust_domain>, every claim kept.
  Identity identity(ParsedJws jws) const;

  Result<Identity> validate(std::string_view token, const JwkSet& bundle, std::int64_t now) const;

 private:
  JwtSvidValidator(JwtSvidConfig c, Validator jws) : config_(std::move(c)), jws_(std::move(jws)) {}
  JwtSvidConfig config_;
  Validator jws_;  // header and signature rules shared with the JWT provider
};

struct JwtSvidProvider {
  JwtSvidValidator validator;
  std::shared_ptr<const JwtBundleSource> bundles;
};

// The JWT-SVID providers of one route, picked by the trust domain of the token's (still
// unverified) sub. No token cache: an ECDSA/RSA verify is tens of microseconds, and a cached
// identity would outlive a key removed from the bundle.
class JwtSvidAuthenticator {
 public:
  explicit JwtSvidAuthenticator(std::vector<JwtSvidProvider> providers) : providers_(std::move(providers)) {}

  // True when the token's sub is a spiffe:// ID of a trust domain configured here (unverified:
  // only used to route the token to this authenticator instead of the JWT one).
  bool claims_token(const ParsedJws& jws) const;

  Result<std::shared_ptr<const Identity>> authenticate(std::string_view token, std::int64_t now) const;

 private:
  const JwtSvidProvider* provider_for(const ParsedJws& jws) const;
  std::vector<JwtSvidProvider> providers_;
};

}  // namespace gatehouse::auth
