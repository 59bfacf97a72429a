#include "auth/jws_verify.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <array>
#include <memory>
#include <string>

namespace gatehouse::auth {
namespace {

struct AlgInfo {
  Alg alg;
  std::string_view name;
};
constexpr std::array<AlgInfo, 10> kAlgs{{
    {Alg::rs256, "RS256"}, {Alg::rs384, "RS384"}, {Alg::rs512, "RS512"},
    {Alg::ps256, "PS256"}, {Alg::ps384, "PS384"}, {Alg::ps512, "PS512"},
    {Alg::es256, "ES256"}, {Alg::es384, "ES384"}, {Alg::es512, "ES512"},
    {Alg::eddsa, "EdDSA"},
}};

const EVP_MD* digest(Alg alg) {
  switch (alg) {
    case Alg::rs256: case Alg::ps256: case Alg::es256: return EVP_sha256();
    case Alg::rs384: case Alg::ps384: case Alg::es384: return EVP_sha384();
    case Alg::rs512: case Alg::ps512: case Alg::es512: return EVP_sha512();
    case Alg::eddsa: return nullptr;  // Ed25519 hashes internally
  }
  return nullptr;
}

bool is_pss(Alg a) { return a == Alg::ps256 || a == Alg::ps384 || a == Alg::ps512; }

// JOSE carries ECDSA signatures as fixed-size r||s; OpenSSL wants DER.
std::optional<std::string> ecdsa_to_der(std::string_view raw, std::size_t field) {
  if (raw.size() != 2 * field) return std::nullopt;
  auto* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(field), nullptr);
  auto* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + field), static_cast<int>(field), nullptr);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (!r || !s || !sig || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

struct MdCtxFree { void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); } };

Unexpected bad_signature() {
  ERR_clear_error();  // failed verifies must not grow the thread's error queue
  return fail(Errc::unauthenticated, "invalid token signature", "jwt.bad_signature");
}

}  // namespace

std::optional<Alg> parse_alg(std::string_view name) {
  for (const auto& a : kAlgs)
    if (a.name == name) return a.alg;
  return std::nullopt;
}

std::string_view to_string(Alg alg) {
  for (const auto& a : kAlgs)
    if (a.alg == alg) return a.name;
  return "?";
}

bool key_allows(const Jwk& key, Alg alg) {
  if (!key.alg.empty() && key.alg != to_string(alg)) return false;
  if (!key.use.empty() && key.use != "sig") return false;
  switch (alg) {
    case Alg::rs256: case Alg::rs384: case Alg::rs512:
    case Alg::ps256: case Alg::ps384: case Alg::ps512: return key.type == KeyType::rsa;
    case Alg::es256: return key.type == KeyType::ec_p256;
    case Alg::es384: return key.type == KeyType::ec_p384;
    case Alg::es512: return key.type == KeyType::ec_p521;
    case Alg::eddsa: return key.type == KeyType::ed25519;
  }
  return false;
}

Status verify_signature(const ParsedJws& jws, Alg alg, const Jwk& key) {
  if (!key_allows(key, alg))
    return fail(Errc::unauthenticated, "key does not allow the token's algorithm", "jwt.key_mismatch");
  std::string der;
  std::string_view sig = jws.signature;
  if (alg == Alg::es256 || alg == Alg::es384 || alg == Alg::es512) {
    std::size_t field = alg == Alg::es256 ? 32 : alg == Alg::es384 ? 48 : 66;
    auto converted = ecdsa_to_der(jws.signature, field);
    if (!converted) return bad_signature();
    der = std::move(*converted);
    sig = der;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, digest(alg), nullptr, key.key.get()) != 1)
    return bad_signature();
  if (is_pss(alg)) {
    // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash.
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)
      return bad_signature();
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                            reinterpret_cast<const unsigned char*>(jws.signing_input.data()),
                            jws.signing_input.size());
  if (rc != 1) return bad_signature();
  return {};
}

}  // namespace gatehouse::auth
