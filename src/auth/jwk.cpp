#include "auth/jwk.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <boost/json/parse.hpp>

#include "auth/base64url.hpp"

namespace gatehouse::auth {
namespace {

Unexpected invalid(std::string msg) {
  ERR_clear_error();
  return fail(Errc::invalid_config, "jwk: " + std::move(msg), "jwk.invalid");
}

Result<std::string> b64_member(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return invalid("missing " + std::string(key));
  auto bytes = base64url_decode(it->value().as_string());
  if (!bytes || bytes->empty()) return invalid(std::string(key) + " is not base64url");
  return std::move(*bytes);
}

std::string str_member(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
}

struct BnFree { void operator()(BIGNUM* b) const { BN_free(b); } };
struct BldFree { void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); } };
struct ParamFree { void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); } };
struct CtxFree { void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); } };

Result<std::shared_ptr<EVP_PKEY>> from_params(const char* type, OSSL_PARAM* params) {
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) <= 0 || !raw)
    return invalid("key rejected by OpenSSL");
  std::shared_ptr<EVP_PKEY> key(raw, PkeyDeleter{});
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> check(EVP_PKEY_CTX_new_from_pkey(nullptr, raw, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) return invalid("public key check failed");
  return key;
}

Result<std::shared_ptr<EVP_PKEY>> rsa_key(const boost::json::object& o) {
  GH_TRY(std::string n, b64_member(o, "n"));
  GH_TRY(std::string e, b64_member(o, "e"));
  std::unique_ptr<BIGNUM, BnFree> bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr));
  std::unique_ptr<BIGNUM, BnFree> bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr));
  if (!bn_n || !bn_e) return invalid("RSA parameters");
  if (BN_num_bits(bn_n.get()) < kMinRsaBits) return invalid("RSA modulus shorter than 2048 bits");
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()))
    return invalid("RSA parameters");
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return invalid("RSA parameters");
  return from_params("RSA", params.get());
}

Result<std::shared_ptr<EVP_PKEY>> ec_key(const boost::json::object& o, const char* group, std::size_t field) {
  GH_TRY(std::string x, b64_member(o, "x"));
  GH_TRY(std::string y, b64_member(o, "y"));
  if (x.size() != field || y.size() != field) return invalid("EC coordinates of the wrong size");
  std::string point = "\x04" + x + y;  // SEC1 uncompressed point
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
    return invalid("EC parameters");
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return invalid("EC parameters");
  return from_params("EC", params.get());
}

Result<std::shared_ptr<EVP_PKEY>> ed25519_key(const boost::json::object& o) {
  GH_TRY(std::string x, b64_member(o, "x"));
  if (x.size() != 32) return invalid("Ed25519 key must be 32 bytes");
  EVP_PKEY* raw = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                              reinterpret_cast<const unsigned char*>(x.data()), x.size());
  if (!raw) return invalid("Ed25519 key rejected");
  return std::shared_ptr<EVP_PKEY>(raw, PkeyDeleter{});
}

}  // namespace

Result<Jwk> parse_jwk(const boost::json::object& o) {
  Jwk jwk;
  jwk.kid = str_member(o, "kid");
  jwk.alg = str_member(o, "alg");
  jwk.use = str_member(o, "use");
  if (!jwk.use.empty() && jwk.use != "sig") return invalid("key use is not sig");
  std::string kty = str_member(o, "kty");
  std::string crv = str_member(o, "crv");
  if (kty == "RSA") {
    jwk.type = KeyType::rsa;
    GH_TRY(jwk.key, rsa_key(o));
  } else if (kty == "EC" && crv == "P-256") {
    jwk.type = KeyType::ec_p256;
    GH_TRY(jwk.key, ec_key(o, "prime256v1", 32));
  } else if (kty == "EC" && crv == "P-384") {
    jwk.type = KeyType::ec_p384;
    GH_TRY(jwk.key, ec_key(o, "secp384r1", 48));
  } else if (kty == "EC" && crv == "P-521") {
    jwk.type = KeyType::ec_p521;
    GH_TRY(jwk.key, ec_key(o, "secp521r1", 66));
  } else if (kty == "OKP" && crv == "Ed25519") {
    jwk.type = KeyType::ed25519;
    GH_TRY(jwk.key, ed25519_key(o));
  } else {
    return invalid("unsupported key type " + kty + (crv.empty() ? "" : "/" + crv));
  }
  return jwk;
}

std::vector<const Jwk*> JwkSet::find(std::string_view kid) const {
  std::vector<const Jwk*> out;
  for (const auto& k : keys)
    if (kid.empty() || k.kid == kid) out.push_back(&k);
  return out;
}

bool JwkSet::has_kid(std::string_view kid) const {
  for (const auto& k : keys)
    if (k.kid == kid) return true;
  return false;
}

Result<JwkSet> parse_jwks(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return fail(Errc::invalid_config, "jwks: not a JSON object", "jwks.invalid");
  auto it = v.as_object().find("keys");
  if (it == v.as_object().end() || !it->value().is_array())
    return fail(Errc::invalid_config, "jwks: missing keys array", "jwks.invalid");
  JwkSet set;
  for (const auto& member : it->value().as_array()) {
    if (!member.is_object()) {
      ++set.skipped;
      continue;
    }
    auto jwk = parse_jwk(member.as_object());
    if (jwk) set.keys.push_back(std::move(*jwk));
    else ++set.skipped;
  }
  return set;
}

}  // namespace gatehouse::auth
