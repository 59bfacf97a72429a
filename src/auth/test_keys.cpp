#include "auth/test_keys.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include <boost/json/serialize.hpp>
#include <cassert>
#include <stdexcept>

#include "auth/base64url.hpp"

namespace gatehouse::auth::testing {
namespace {

std::string bn_bytes(EVP_PKEY* k, const char* name, int pad) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &bn) != 1) throw std::runtime_error("get_bn_param");
  int len = pad > 0 ? pad : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(len), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), len);
  BN_free(bn);
  return out;
}

int field_of(Alg a) { return a == Alg::es256 ? 32 : a == Alg::es384 ? 48 : 66; }

}  // namespace

TestKey generate_key(Alg alg, std::string kid) {
  EVP_PKEY* k = nullptr;
  switch (alg) {
    case Alg::rs256: case Alg::rs384: case Alg::rs512:
    case Alg::ps256: case Alg::ps384: case Alg::ps512:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
      break;
    case Alg::es256: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case Alg::es384: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"); break;
    case Alg::es512: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521"); break;
    case Alg::eddsa: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
  }
  if (!k) throw std::runtime_error("keygen");
  return TestKey{std::shared_ptr<EVP_PKEY>(k, PkeyDeleter{}), alg, std::move(kid)};
}

boost::json::object TestKey::public_jwk() const {
  boost::json::object o;
  EVP_PKEY* k = pkey.get();
  switch (alg) {
    case Alg::rs256: case Alg::rs384: case Alg::rs512:
    case Alg::ps256: case Alg::ps384: case Alg::ps512:
      o["kty"] = "RSA";
      o["n"] = base64url_encode(bn_bytes(k, OSSL_PKEY_PARAM_RSA_N, 0));
      o["e"] = base64url_encode(bn_bytes(k, OSSL_PKEY_PARAM_RSA_E, 0));
      break;
    case Alg::es256: case Alg::es384: case Alg::es512:
      o["kty"] = "EC";
      o["crv"] = alg == Alg::es256 ? "P-256" : alg == Alg::es384 ? "P-384" : "P-521";
      o["x"] = base64url_encode(bn_bytes(k, OSSL_PKEY_PARAM_EC_PUB_X, field_of(alg)));
      o["y"] = base64url_encode(bn_bytes(k, OSSL_PKEY_PARAM_EC_PUB_Y, field_of(alg)));
      break;
    case Alg::eddsa: {
      unsigned char raw[32];
      size_t len = sizeof raw;
      EVP_PKEY_get_raw_public_key(k, raw, &len);
      o["kty"] = "OKP";
      o["crv"] = "Ed25519";
      o["x"] = base64url_encode(std::string_view(reinterpret_cast<char*>(raw), len));
      break;
    }
  }
  if (!kid.empty()) o["kid"] = kid;
  o["use"] = "sig";
  return o;
}

std::string sign_jwt(const TestKey& key, const boost::json::object& claims, std::string typ,
                     const boost::json::object& extra_header) {
  boost::json::object header;
  header["alg"] = to_string(key.alg);
  if (!key.kid.empty()) header["kid"] = key.kid;
  if (!typ.empty()) header["typ"] = typ;
  for (const auto& kv : extra_header) header[kv.key()] = kv.value();
  std::string input = base64url_encode(boost::json::serialize(header)) + "." +
                      base64url_encode(boost::json::serialize(claims));
  const EVP_MD* md = nullptr;
  switch (key.alg) {
    case Alg::rs256: case Alg::ps256: case Alg::es256: md = EVP_sha256(); break;
    case Alg::rs384: case Alg::ps384: case Alg::es384: md = EVP_sha384(); break;
    case Alg::rs512: case Alg::ps512: case Alg::es512: md = EVP_sha512(); break;
    case Alg::eddsa: break;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit(ctx, &pctx, md, nullptr, key.pkey.get()) != 1) throw std::runtime_error("sign init");
  if (key.alg == Alg::ps256 || key.alg == Alg::ps384 || key.alg == Alg::ps512) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  size_t len = 0;
  auto* in = reinterpret_cast<const unsigned char*>(input.data());
  EVP_DigestSign(ctx, nullptr, &len, in, input.size());
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size()) != 1)
    throw std::runtime_error("sign");
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  if (key.alg == Alg::es256 || key.alg == Alg::es384 || key.alg == Alg::es512) {
    auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    int f = field_of(key.alg);
    std::string raw(static_cast<std::size_t>(2 * f), '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), f);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data() + f), f);
    ECDSA_SIG_free(es);
    sig = raw;
  }
  return input + "." + base64url_encode(sig);
}

std::string jwks_json(std::initializer_list<const TestKey*> keys) {
  boost::json::array a;
  for (const auto* k : keys) a.push_back(k->public_jwk());
  return boost::json::serialize(boost::json::object{{"keys", a}});
}

}  // namespace gatehouse::auth::testing
