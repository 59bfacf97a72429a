// JSON Web Keys (RFC 7517/7518, RFC 8037) turned into OpenSSL public keys, and JWK Sets.
// Only public asymmetric keys are ever loaded: symmetric ("oct") keys are skipped, which is
// what makes HMAC-with-a-public-key confusion impossible.
#pragma once

#include <openssl/evp.h>

#include <boost/json/object.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::auth {

enum class KeyType { rsa, ec_p256, ec_p384, ec_p521, ed25519 };

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

struct Jwk {
  std::string kid;
  KeyType type = KeyType::rsa;
  std::string alg;  // optional "alg" member: when set, the only algorithm this key verifies
  std::string use;  // optional "use" member: when set, must be "sig"
  std::shared_ptr<EVP_PKEY> key;
};

inline constexpr int kMinRsaBits = 2048;

// RSA (n, e; at least 2048 bits), EC P-256/384/521 (x, y of the exact field size, point on
// the curve), OKP Ed25519 (x). Errors are Errc::invalid_config, reason jwk.invalid.
Result<Jwk> parse_jwk(const boost::json::object& jwk);

struct JwkSet {
  std::vector<Jwk> keys;
  std::size_t skipped = 0;  // members we cannot use (oct, Ed448, private-only, broken...)

  // Keys with this kid (a set may hold one kid per algorithm); empty kid matches every key.
  std::vector<const Jwk*> find(std::string_view kid) const;
  bool has_kid(std::string_view kid) const;
};

// {"keys":[...]}: unusable members are skipped and counted, so one exotic key at the
// authorization server never takes the others down. Fails only when the document is not a
// JWK Set at all.
Result<JwkSet> parse_jwks(std::string_view json);

}  // namespace gatehouse::auth
