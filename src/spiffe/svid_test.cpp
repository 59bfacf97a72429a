#include "spiffe/svid.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "spiffe/svid_server_context.hpp"
#include "tls/test_certificates.hpp"

namespace gatehouse::spiffe {
namespace {

using tls::testing::LeafOptions;
using tls::testing::TestCa;

std::string der_of_certs(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  std::string out;
  while (X509* c = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    unsigned char* d = nullptr;
    int n = i2d_X509(c, &d);
    out.append(reinterpret_cast<char*>(d), n);
    OPENSSL_free(d);
    X509_free(c);
  }
  BIO_free(bio);
  return out;
}

std::string pkcs8_of(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(k);
  unsigned char* d = nullptr;
  int n = i2d_PKCS8_PRIV_KEY_INFO(p8, &d);
  std::string out(reinterpret_cast<char*>(d), n);
  OPENSSL_free(d);
  PKCS8_PRIV_KEY_INFO_free(p8);
  EVP_PKEY_free(k);
  return out;
}

struct Fixture : ::testing::Test {
  TestCa ca{"example.org CA"};
  tls::testing::Issued leaf = ca.issue(LeafOptions{.uris = {"spiffe://example.org/gateway"}});
  std::string chain = der_of_certs(leaf.cert_pem + ca.cert_pem());
  std::string key = pkcs8_of(leaf.key_pem);
};

TEST_F(Fixture, AcceptsAGoodSvid) {
  auto svid = check_x509_svid({"spiffe://example.org/gateway", chain, key, "internal"});
  ASSERT_TRUE(svid) << svid.error().message;
  EXPECT_EQ(svid->spiffe_id, "spiffe://example.org/gateway");
  EXPECT_EQ(svid->chain_der.size(), 2u);
  EXPECT_EQ(svid->hint, "internal");
  EXPECT_NE(certificates_pem(svid->chain_der).find("BEGIN CERTIFICATE"), std::string::npos);
  auto pem = private_key_pem(svid->key_der);
  ASSERT_TRUE(pem);
  EXPECT_NE(pem->find("PRIVATE KEY"), std::string::npos);
}

TEST_F(Fixture, RefusesMismatchesAndGarbage) {
  // The announced ID is not the certificate's.
  EXPECT_FALSE(check_x509_svid({"spiffe://example.org/other", chain, key, ""}));
  EXPECT_FALSE(check_x509_svid({"not-an-id", chain, key, ""}));
  // A key of another certificate.
  auto other = ca.issue(LeafOptions{.uris = {"spiffe://example.org/gateway"}});
  EXPECT_FALSE(check_x509_svid({"spiffe://example.org/gateway", chain, pkcs8_of(other.key_pem), ""}));
  // Truncated chain, trailing garbage, empty chain, empty key, a key that is not PKCS#8.
  EXPECT_FALSE(check_x509_svid({"spiffe://example.org/gateway", chain.substr(0, chain.size() - 5), key, ""}));
  EXPECT_FALSE(check_x509_svid({"spiffe://example.org/gateway", chain + "xx", key, ""}));
  EXPECT_FALSE(check_x509_svid({"spiffe://example.org/gateway", "", key, ""}));
  EXPECT_FALSE(check_x509_svid({"spiffe://example.org/gateway", chain, "", ""}));
  EXPECT_FALSE(check_x509_svid({"spiffe://example.org/gateway", chain, key + "x", ""}));
  // A certificate without a SPIFFE ID.
  auto plain = ca.issue(LeafOptions{.dns_names = {"localhost"}});
  EXPECT_FALSE(check_x509_svid({"spiffe://example.org/gateway", der_of_certs(plain.cert_pem), pkcs8_of(plain.key_pem), ""}));
  auto err = check_x509_svid({"spiffe://example.org/other", chain, key, ""});
  EXPECT_EQ(err.error().reason, "spiffe.bad_svid");
}

TEST(BundleKeys, TrustDomainNames) {
  EXPECT_EQ(*bundle_trust_domain("spiffe://example.org"), "example.org");
  EXPECT_EQ(*bundle_trust_domain("example.org"), "example.org");
  EXPECT_FALSE(bundle_trust_domain("spiffe://example.org/workload"));
  EXPECT_FALSE(bundle_trust_domain("spiffe://"));
  EXPECT_FALSE(bundle_trust_domain("Example.ORG"));
  EXPECT_FALSE(bundle_trust_domain(""));
}

TEST_F(Fixture, ServerSettingsFromAContext) {
  TestCa other{"other.org CA"};
  X509Context context;
  context.svids.push_back(*check_x509_svid({"spiffe://example.org/gateway", chain, key, ""}));
  context.bundles["example.org"] = *split_der_certificates(der_of_certs(ca.cert_pem()));
  context.bundles["other.org"] = *split_der_certificates(der_of_certs(other.cert_pem()));
  SvidServerOptions options;
  options.base.require_client_cert = true;
  auto all = SvidServerContext::settings_for(context, options);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->client_ca_pem, bundles_pem(context.bundles, {}));
  EXPECT_TRUE(tls::ServerContext::create(*all));
  options.base.trust_domains = {"other.org"};
  auto one = SvidServerContext::settings_for(context, options);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->client_ca_pem, certificates_pem(context.bundles["other.org"]));
  options.base.trust_domains = {"nowhere.org"};
  EXPECT_FALSE(SvidServerContext::settings_for(context, options));
  options.base.trust_domains = {};
  options.spiffe_id = "spiffe://example.org/missing";
  EXPECT_FALSE(SvidServerContext::settings_for(context, options));
}

}  // namespace
}  // namespace gatehouse::spiffe
