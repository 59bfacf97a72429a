// JWS signature verification with OpenSSL 3 EVP for the asymmetric JWA algorithms
// (RFC 7518 §3.3-3.5, RFC 8037). Which key may verify which algorithm is decided here, once.
#pragma once

#include <optional>
#include <string_view>

#include "auth/jwk.hpp"
#include "auth/jws.hpp"
#include "core/result.hpp"

namespace gatehouse::auth {

enum class Alg { rs256, rs384, rs512, ps256, ps384, ps512, es256, es384, es512, eddsa };

// Only the algorithms above: "none" and every HS* yield nullopt.
std::optional<Alg> parse_alg(std::string_view name);
std::string_view to_string(Alg alg);

// The key's type/curve fits the algorithm, its "alg" (if any) names it and its "use" (if
// any) is "sig". ES256 needs P-256, ES384 P-384, ES512 P-521, EdDSA Ed25519, RS/PS RSA.
bool key_allows(const Jwk& key, Alg alg);

// Errors (Errc::unauthenticated): jwt.key_mismatch when !key_allows, jwt.bad_signature.
Status verify_signature(const ParsedJws& jws, Alg alg, const Jwk& key);

}  // namespace gatehouse::auth
