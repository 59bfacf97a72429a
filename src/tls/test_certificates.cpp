#include "tls/test_certificates.hpp"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace gatehouse::tls::testing {

namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

Key new_key() {
  EVP_PKEY* k = EVP_EC_gen("P-256");
  if (!k) throw std::runtime_error("EVP_EC_gen failed");
  return Key(k, EVP_PKEY_free);
}

std::string to_pem(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string to_pem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) throw std::runtime_error("bad extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

Cert new_cert(const std::string& cn, std::chrono::seconds not_before, std::chrono::seconds not_after) {
  static std::atomic<long> serial{1000};
  Cert cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(not_before.count()));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(not_after.count()));
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

}  // namespace

struct TestCa::Impl {
  Key key{nullptr, EVP_PKEY_free};
  Cert cert{nullptr, X509_free};
};

TestCa::TestCa(const std::string& common_name) : impl_(std::make_unique<Impl>()) {
  impl_->key = new_key();
  impl_->cert = new_cert(common_name, std::chrono::seconds(-3600), std::chrono::seconds(10 * 24 * 3600));
  X509_set_issuer_name(impl_->cert.get(), X509_get_subject_name(impl_->cert.get()));
  X509_set_pubkey(impl_->cert.get(), impl_->key.get());
  add_extension(impl_->cert.get(), impl_->cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(impl_->cert.get(), impl_->cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(impl_->cert.get(), impl_->cert.get(), NID_subject_key_identifier, "hash");
  X509_sign(impl_->cert.get(), impl_->key.get(), EVP_sha256());
  cert_pem_ = to_pem(impl_->cert.get());
}

TestCa::~TestCa() = default;

Issued TestCa::issue(const LeafOptions& options) const {
  Key key = new_key();
  Cert cert = new_cert(options.common_name, options.not_before, options.not_after);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(impl_->cert.get()));
  X509_set_pubkey(cert.get(), key.get());
  add_extension(cert.get(), impl_->cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), impl_->cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment");
  add_extension(cert.get(), impl_->cert.get(), NID_ext_key_usage, options.server ? "serverAuth,clientAuth" : "clientAuth");
  std::string sans;
  for (const auto& d : options.dns_names) sans += (sans.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& u : options.uris) sans += (sans.empty() ? "" : ",") + std::string("URI:") + u;
  for (const auto& a : options.ip_addresses) sans += (sans.empty() ? "" : ",") + std::string("IP:") + a;
  if (!sans.empty()) add_extension(cert.get(), impl_->cert.get(), NID_subject_alt_name, sans);
  X509_sign(cert.get(), impl_->key.get(), EVP_sha256());
  return Issued{to_pem(cert.get()), to_pem(key.get())};
}

std::string write_file(const std::string& dir, const std::string& name, const std::string& content) {
  std::filesystem::create_directories(dir);
  auto path = std::filesystem::path(dir) / name;
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
  }
  std::filesystem::rename(tmp, path);
  return path.string();
}

}  // namespace gatehouse::tls::testing
