#include "spiffe/svid.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>

#include "tls/peer_certificate.hpp"
#include "tls/spiffe_id.hpp"

namespace gatehouse::spiffe {

namespace {

Unexpected bad_svid(const std::string& what) { return fail(Errc::unavailable, what, "spiffe.bad_svid"); }

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct P8Free {
  void operator()(PKCS8_PRIV_KEY_INFO* p) const { PKCS8_PRIV_KEY_INFO_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

std::unique_ptr<X509, X509Free> parse_certificate(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return std::unique_ptr<X509, X509Free>(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

// PKCS#8 only (the Workload API's encoding): a "traditional" RSA or EC key is refused.
std::unique_ptr<EVP_PKEY, PkeyFree> parse_pkcs8(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, P8Free> info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
  if (!info || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) return nullptr;
  return std::unique_ptr<EVP_PKEY, PkeyFree>(EVP_PKCS82PKEY(info.get()));
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

Result<std::vector<std::string>> split_der_certificates(std::string_view der) {
  std::vector<std::string> out;
  const auto* begin = reinterpret_cast<const unsigned char*>(der.data());
  const auto* end = begin + der.size();
  const unsigned char* p = begin;
  while (p < end) {
    const unsigned char* start = p;
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(end - p));
    if (!cert || p <= start) {
      X509_free(cert);
      return bad_svid("certificate " + std::to_string(out.size() + 1) + " of the DER list does not parse");
    }
    X509_free(cert);
    out.emplace_back(reinterpret_cast<const char*>(start), static_cast<std::size_t>(p - start));
  }
  if (out.empty()) return bad_svid("empty certificate list");
  return out;
}

Result<X509Svid> check_x509_svid(const RawX509Svid& raw) {
  auto id = tls::parse_spiffe_id(raw.spiffe_id);
  if (!id) return bad_svid("SVID announces an invalid SPIFFE ID: " + id.error().message);
  GH_TRY(auto chain, split_der_certificates(raw.chain));
  auto leaf = parse_certificate(chain.front());
  if (!leaf) return bad_svid("SVID leaf certificate does not parse");
  auto read = tls::read_certificate(leaf.get());
  if (!read) return bad_svid("SVID leaf certificate: " + read.error().message);
  if (!read->spiffe_id || *read->spiffe_id != *id)
    return bad_svid("SVID leaf certificate does not carry " + id->str());
  auto key = parse_pkcs8(raw.key);
  if (!key) return bad_svid("SVID private key is not an unencrypted PKCS#8 key");
  if (X509_check_private_key(leaf.get(), key.get()) != 1)
    return bad_svid("SVID private key does not match its certificate");
  return X509Svid{id->str(), std::move(chain), std::string(raw.key), std::string(raw.hint)};
}

Result<std::string> bundle_trust_domain(std::string_view key) {
  std::string_view name = key;
  if (name.starts_with("spiffe://")) {
    auto id = tls::parse_spiffe_id(key);
    if (!id || !id->path.empty()) return fail(Errc::unavailable, "bad bundle key " + std::string(key), "spiffe.bad_bundle");
    return id->trust_domain;
  }
  if (!tls::valid_trust_domain(name)) return fail(Errc::unavailable, "bad bundle key " + std::string(key), "spiffe.bad_bundle");
  return std::string(name);
}

std::string certificates_pem(const std::vector<std::string>& der) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  for (const auto& d : der)
    if (auto cert = parse_certificate(d)) PEM_write_bio_X509(bio.get(), cert.get());
  return drain(bio.get());
}

Result<std::string> private_key_pem(std::string_view pkcs8_der) {
  auto key = parse_pkcs8(pkcs8_der);
  if (!key) return bad_svid("private key is not an unencrypted PKCS#8 key");
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return fail(Errc::internal, "cannot encode the private key", "spiffe.key");
  return drain(bio.get());
}

std::string bundles_pem(const X509BundleSet& bundles, const std::vector<std::string>& domains) {
  std::string out;
  for (const auto& [domain, certs] : bundles) {
    if (!domains.empty() && std::find(domains.begin(), domains.end(), domain) == domains.end()) continue;
    out += certificates_pem(certs);
  }
  return out;
}

}  // namespace gatehouse::spiffe
