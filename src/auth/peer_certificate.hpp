// Identity from a client certificate the TLS layer already verified (mTLS): a SPIFFE
// X.509-SVID (exactly one URI SAN, spiffe://trust-domain/path) or, where allowed, a plain
// certificate named by its subject. Chain verification is the listener's job, not this one.
#pragma once

#include <openssl/x509.h>

#include <string>
#include <string_view>
#include <vector>

#include "auth/identity.hpp"
#include "core/result.hpp"

namespace gatehouse::auth {

struct MtlsConfig {
  std::vector<std::string> trust_domains;  // accepted SPIFFE trust domains
  bool allow_non_spiffe = false;           // accept certificates without a SPIFFE ID
};

// The SPIFFE ID is parsed by tls::parse_spiffe_id (the one parser of the code base).
// method "mtls"; SPIFFE: issuer "spiffe://<td>", subject the SPIFFE ID; otherwise issuer
// "x509:<issuer DN>", subject the subject DN. Claims: spiffe_id, subject_dn, issuer_dn,
// sha256 (certificate fingerprint, hex), dns_names. Reasons: mtls.no_certificate,
// mtls.bad_spiffe_id, mtls.untrusted_domain, mtls.not_spiffe, mtls.ca_certificate.
Result<Identity> identity_from_certificate(X509* cert, const MtlsConfig& config);

}  // namespace gatehouse::auth
