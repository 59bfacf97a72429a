#include "auth/peer_certificate.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>

#include "auth/crypto_util.hpp"
#include "tls/spiffe_id.hpp"

namespace gatehouse::auth {
namespace {

Unexpected reject(std::string msg, std::string reason) {
  return fail(Errc::unauthenticated, std::move(msg), std::move(reason));
}

std::string name_string(const X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace

Result<Identity> identity_from_certificate(X509* cert, const MtlsConfig& config) {
  if (!cert) return reject("no client certificate", "mtls.no_certificate");
  if (X509_check_ca(cert) != 0) return reject("client certificate is a CA", "mtls.ca_certificate");

  std::vector<std::string> uris, dns;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
    if (gn->type != GEN_URI && gn->type != GEN_DNS) continue;
    const ASN1_IA5STRING* s = gn->type == GEN_URI ? gn->d.uniformResourceIdentifier : gn->d.dNSName;
    std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<std::size_t>(ASN1_STRING_length(s)));
    (gn->type == GEN_URI ? uris : dns).push_back(std::move(value));
  }
  GENERAL_NAMES_free(sans);

  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  X509_digest(cert, EVP_sha256(), md, &md_len);

  Identity id;
  id.method = "mtls";
  std::string subject_dn = name_string(X509_get_subject_name(cert));
  std::string issuer_dn = name_string(X509_get_issuer_name(cert));
  id.claims["subject_dn"] = subject_dn;
  id.claims["issuer_dn"] = issuer_dn;
  id.claims["sha256"] = to_hex(std::string_view(reinterpret_cast<char*>(md), md_len));
  boost::json::array dns_json;
  for (const auto& d : dns) dns_json.emplace_back(d);
  id.claims["dns_names"] = std::move(dns_json);

  bool any_spiffe = std::any_of(uris.begin(), uris.end(), [](const std::string& u) { return u.rfind("spiffe://", 0) == 0; });
  if (any_spiffe) {
    // X.509-SVID: exactly one URI SAN.
    if (uris.size() != 1) return reject("an SVID carries exactly one URI SAN", "mtls.bad_spiffe_id");
    auto sid = tls::parse_spiffe_id(uris.front());
    // The parser speaks for the TLS layer (bad_request); here a bad ID is a refused client.
    if (!sid) return reject(sid.error().message, "mtls.bad_spiffe_id");
    if (std::find(config.trust_domains.begin(), config.trust_domains.end(), sid->trust_domain) == config.trust_domains.end())
      return reject("SPIFFE trust domain not accepted", "mtls.untrusted_domain");
    id.issuer = "spiffe://" + sid->trust_domain;
    id.subject = sid->str();
    id.claims["spiffe_id"] = id.subject;
  } else {
    if (!config.allow_non_spiffe) return reject("client certificate has no SPIFFE ID", "mtls.not_spiffe");
    if (subject_dn.empty()) return reject("client certificate has no subject", "mtls.not_spiffe");
    id.issuer = "x509:" + issuer_dn;
    id.subject = subject_dn;
  }
  id.client_id = id.subject;
  id.claims["sub"] = id.subject;
  id.claims["iss"] = id.issuer;
  const ASN1_TIME* not_after = X509_get0_notAfter(cert);
  struct tm tm {};
  if (not_after && ASN1_TIME_to_tm(not_after, &tm) == 1) id.expires_at = static_cast<std::int64_t>(timegm(&tm));
  return id;
}

}  // namespace gatehouse::auth
