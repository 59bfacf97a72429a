#include "auth/peer_certificate.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>

#include "auth/crypto_util.hpp"

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

bool td_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'; }
bool path_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

}  // namespace

Result<SpiffeId> parse_spiffe_id(std::string_view uri) {
  auto bad = [](const char* why) { return reject(std::string("invalid SPIFFE ID: ") + why, "mtls.bad_spiffe_id"); };
  constexpr std::string_view kScheme = "spiffe://";
  if (uri.size() > 2048) return bad("too long");
  if (uri.substr(0, kScheme.size()) != kScheme) return bad("scheme must be spiffe://");
  uri.remove_prefix(kScheme.size());
  auto slash = uri.find('/');
  std::string_view td = uri.substr(0, slash);
  if (td.empty()) return bad("empty trust domain");
  if (!std::all_of(td.begin(), td.end(), td_char)) return bad("trust domain characters");
  SpiffeId id{std::string(td), {}};
  if (slash == std::string_view::npos) return id;
  std::string_view path = uri.substr(slash);
  if (path.back() == '/') return bad("trailing slash");
  std::size_t pos = 0;
  while (pos < path.size()) {
    auto next = path.find('/', pos + 1);
    std::string_view seg = path.substr(pos + 1, (next == std::string_view::npos ? path.size() : next) - pos - 1);
    if (seg.empty() || seg == "." || seg == "..") return bad("empty or dot segment");
    if (!std::all_of(seg.begin(), seg.end(), path_char)) return bad("path characters");
    if (next == std::string_view::npos) break;
    pos = next;
  }
  id.path = std::string(path);
  return id;
}

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
    GH_TRY(SpiffeId sid, parse_spiffe_id(uris.front()));
    if (std::find(config.trust_domains.begin(), config.trust_domains.end(), sid.trust_domain) == config.trust_domains.end())
      return reject("SPIFFE trust domain not accepted", "mtls.untrusted_domain");
    id.issuer = "spiffe://" + sid.trust_domain;
    id.subject = sid.str();
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
