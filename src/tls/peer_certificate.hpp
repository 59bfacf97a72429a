// What the gateway knows of a peer from its verified certificate: the SPIFFE ID (the URI SAN)
// and the details rules and logs may use. Read once after the handshake.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "tls/spiffe_id.hpp"

namespace gatehouse::tls {

struct PeerCertificate {
  std::optional<SpiffeId> spiffe_id;  // set when the certificate has exactly one spiffe:// URI SAN
  std::vector<std::string> dns_names;
  std::string subject;             // RFC 2253 form
  std::string issuer;
  std::string serial_hex;
  std::string sha256_fingerprint;  // lowercase hex of the DER
  std::chrono::system_clock::time_point not_after;
};

// Reads a certificate. A certificate with several URI SANs of which one is spiffe://, or a
// malformed spiffe:// URI, is an error: X.509-SVIDs carry exactly one.
Result<PeerCertificate> read_certificate(X509* cert);

// The verified client certificate of a finished handshake; nullopt when the client sent none.
Result<std::optional<PeerCertificate>> peer_certificate(SSL* ssl);

}  // namespace gatehouse::tls
