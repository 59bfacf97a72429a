// JWT access-token validation (RFC 7519, RFC 9068, RFC 8707): header rules, signature
// against a key set, then claims. Built once per config snapshot; immutable and thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/identity.hpp"
#include "auth/jwk.hpp"
#include "auth/jws.hpp"
#include "auth/jws_verify.hpp"
#include "core/result.hpp"

namespace gatehouse::auth {

inline constexpr std::chrono::seconds kMaxLeeway{300};

struct ValidatorConfig {
  std::string issuer;                  // exact string match with "iss"
  std::vector<std::string> audiences;  // "aud" (string or array) must hold one of these, exactly
  std::vector<Alg> algorithms;         // allow list; empty means every supported algorithm
  std::chrono::seconds leeway{60};     // clock skew for exp/nbf/iat, at most kMaxLeeway
  bool require_at_jwt = false;         // RFC 9068 typ "at+jwt" (or "application/at+jwt")
  bool require_exp = true;
  std::vector<std::string> required_claims;  // dotted paths that must be present
  ClaimPaths claim_paths;
};

// Reasons (all Errc::unauthenticated unless said): jwt.malformed, jwt.too_large,
// jwt.alg_not_allowed, jwt.bad_typ, jwt.unknown_kid, jwt.key_mismatch, jwt.bad_signature,
// jwt.bad_issuer, jwt.bad_audience, jwt.expired, jwt.not_yet_valid, jwt.issued_in_future,
// jwt.missing_claim.
class Validator {
 public:
  // Rejects an empty issuer or audience list and a leeway above kMaxLeeway (invalid_config).
  static Result<Validator> create(ValidatorConfig config);

  const ValidatorConfig& config() const { return config_; }

  // Algorithm on the allow list (never none/HS*), typ when required.
  Result<Alg> check_header(const ParsedJws& jws) const;
  // The key named by kid (or, without kid, any key that fits alg) verifies the signature.
  Status check_signature(const ParsedJws& jws, Alg alg, const JwkSet& keys) const;
  // iss, aud, exp/nbf/iat against `now` (unix seconds), required claims.
  Result<Identity> check_claims(ParsedJws jws, std::int64_t now) const;

  // All of the above.
  Result<Identity> validate(std::string_view token, const JwkSet& keys, std::int64_t now) const;

 private:
  explicit Validator(ValidatorConfig c) : config_(std::move(c)) {}
  ValidatorConfig config_;
};

std::int64_t unix_now();

}  // namespace gatehouse::auth
