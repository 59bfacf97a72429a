#include "auth/peer_certificate.hpp"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <memory>

#include "tls/spiffe_id.hpp"

namespace gatehouse::auth {
namespace {

struct X509Free { void operator()(X509* x) const { X509_free(x); } };
using CertPtr = std::unique_ptr<X509, X509Free>;

// A self-signed P-256 certificate with the given SANs ("URI:..., DNS:...") and CN.
CertPtr make_cert(const std::string& san, const std::string& cn = "workload", bool ca = false) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  if (!san.empty()) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_EXTENSION* bc = X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  X509_add_ext(x, bc, -1);
  X509_EXTENSION_free(bc);
  X509_sign(x, key, EVP_sha256());
  EVP_PKEY_free(key);
  return CertPtr(x);
}

const MtlsConfig kConfig{{"example.org"}, false};

// The mTLS path relies on tls::parse_spiffe_id; these are the cases it must refuse here.
TEST(SpiffeIdTest, Grammar) {
  using tls::parse_spiffe_id;
  EXPECT_EQ(parse_spiffe_id("spiffe://example.org/ns/prod/sa/api")->path, "/ns/prod/sa/api");
  EXPECT_EQ(parse_spiffe_id("spiffe://example.org")->trust_domain, "example.org");
  for (const char* bad : {"https://example.org/x", "spiffe://", "spiffe:///x", "spiffe://Example.org/x",
                          "spiffe://example.org:443/x", "spiffe://user@example.org/x", "spiffe://example.org/",
                          "spiffe://example.org//x", "spiffe://example.org/./x", "spiffe://example.org/../x",
                          "spiffe://example.org/x?q", "spiffe://example.org/x#f", "spiffe://example.org/x y"})
    EXPECT_FALSE(parse_spiffe_id(bad).ok()) << bad;
}

TEST(PeerCertificate, SvidToIdentity) {
  auto cert = make_cert("URI:spiffe://example.org/ns/prod/sa/api, DNS:api.prod.svc");
  auto id = identity_from_certificate(cert.get(), kConfig);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->method, "mtls");
  EXPECT_EQ(id->subject, "spiffe://example.org/ns/prod/sa/api");
  EXPECT_EQ(id->issuer, "spiffe://example.org");
  EXPECT_EQ(id->claims.at("dns_names").as_array()[0].as_string(), "api.prod.svc");
  EXPECT_EQ(id->claims.at("sha256").as_string().size(), 64u);
  EXPECT_GT(id->expires_at, 0);
  EXPECT_EQ(id->principal_key().size(), 64u);
}

TEST(PeerCertificate, Rejections) {
  auto reason = [](X509* c, const MtlsConfig& cfg) {
    auto r = identity_from_certificate(c, cfg);
    return r.ok() ? std::string("ok") : r.error().reason;
  };
  EXPECT_EQ(reason(nullptr, kConfig), "mtls.no_certificate");
  EXPECT_EQ(reason(make_cert("URI:spiffe://other.org/x").get(), kConfig), "mtls.untrusted_domain");
  EXPECT_EQ(reason(make_cert("URI:spiffe://example.org/x, URI:spiffe://example.org/y").get(), kConfig), "mtls.bad_spiffe_id");
  EXPECT_EQ(reason(make_cert("URI:spiffe://example.org/../x").get(), kConfig), "mtls.bad_spiffe_id");
  EXPECT_EQ(reason(make_cert("DNS:client.example").get(), kConfig), "mtls.not_spiffe");
  EXPECT_EQ(reason(make_cert("URI:spiffe://example.org/ca", "ca", true).get(), kConfig), "mtls.ca_certificate");
  auto plain = identity_from_certificate(make_cert("DNS:client.example", "client-7").get(), MtlsConfig{{}, true});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->subject, "CN=client-7");
  EXPECT_EQ(plain->issuer, "x509:CN=client-7");
}

}  // namespace
}  // namespace gatehouse::auth
