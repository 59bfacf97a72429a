#include "tls/peer_certificate.hpp"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <memory>

namespace gatehouse::tls {

namespace {

std::string name_to_string(X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

}  // namespace

Result<PeerCertificate> read_certificate(X509* cert) {
  PeerCertificate out;
  out.subject = name_to_string(X509_get_subject_name(cert));
  out.issuer = name_to_string(X509_get_issuer_name(cert));

  if (const ASN1_INTEGER* serial = X509_get0_serialNumber(cert)) {
    std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(ASN1_INTEGER_to_BN(serial, nullptr), BN_free);
    if (bn) {
      char* h = BN_bn2hex(bn.get());
      out.serial_hex = h;
      OPENSSL_free(h);
    }
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &md_len) == 1) out.sha256_fingerprint = hex(md, md_len);

  struct tm tm {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1)
    out.not_after = std::chrono::system_clock::from_time_t(timegm(&tm));

  using Names = STACK_OF(GENERAL_NAME);
  std::unique_ptr<Names, void (*)(Names*)> sans(
      static_cast<Names*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)),
      [](Names* n) { GENERAL_NAMES_free(n); });
  int uri_count = 0;
  std::optional<std::string> spiffe_uri;
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans.get(), i);
      if (gn->type == GEN_URI) {
        ++uri_count;
        const ASN1_IA5STRING* s = gn->d.uniformResourceIdentifier;
        std::string uri(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<std::size_t>(ASN1_STRING_length(s)));
        if (uri.rfind("spiffe:", 0) == 0 || uri.rfind("SPIFFE:", 0) == 0) spiffe_uri = uri;
      } else if (gn->type == GEN_DNS) {
        const ASN1_IA5STRING* s = gn->d.dNSName;
        out.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                   static_cast<std::size_t>(ASN1_STRING_length(s)));
      }
    }
  }
  if (spiffe_uri) {
    if (uri_count != 1)
      return fail(Errc::forbidden, "an X.509-SVID carries exactly one URI SAN", "spiffe.several_uris");
    auto id = parse_spiffe_id(*spiffe_uri);
    if (!id) return fail(Errc::forbidden, id.error().message, "spiffe.invalid_id");
    out.spiffe_id = std::move(*id);
  }
  return out;
}

Result<std::optional<PeerCertificate>> peer_certificate(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (!cert) return std::optional<PeerCertificate>{};
  auto read = read_certificate(cert);
  if (!read) return read.propagate();
  return std::optional<PeerCertificate>{std::move(*read)};
}

}  // namespace gatehouse::tls
