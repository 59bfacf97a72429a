// What the SPIFFE Workload API hands a workload, as plain immutable values: X.509-SVIDs
// (certificate chain and PKCS#8 key, DER) and trust bundles per trust domain. The client
// publishes them as shared_ptr<const ...> snapshots; nothing here knows about gRPC, so the
// checks below are testable and fuzzable on their own.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::spiffe {

struct X509Svid {
  std::string spiffe_id;               // e.g. spiffe://example.org/gateway
  std::vector<std::string> chain_der;  // leaf first, then intermediates; one DER each
  std::string key_der;                 // PKCS#8, unencrypted
  std::string hint;
};

// Trust bundles keyed by trust domain name ("example.org", not "spiffe://example.org"):
// the DER certificates of each.
using X509BundleSet = std::map<std::string, std::vector<std::string>>;

// One FetchX509SVID message: the SVIDs (the first is the default identity) and the bundles
// that came with it (each SVID's own trust domain and the federated ones).
struct X509Context {
  std::vector<X509Svid> svids;
  X509BundleSet bundles;
  std::uint64_t sequence = 0;  // 1 for the first message the client received, then +1
};

// One FetchX509Bundles message.
struct X509Bundles {
  X509BundleSet bundles;
  std::uint64_t sequence = 0;
};

// One FetchJWTBundles message: JWKS documents (JSON text) keyed by trust domain name.
struct JwtBundles {
  std::map<std::string, std::string> jwks;
  std::uint64_t sequence = 0;
};

// An SVID as it arrives on the wire, before checking.
struct RawX509Svid {
  std::string_view spiffe_id;
  std::string_view chain;  // concatenated DER certificates
  std::string_view key;    // DER PKCS#8
  std::string_view hint;
};

// Checks an SVID: the chain parses, the leaf carries exactly the announced SPIFFE ID, the
// key is PKCS#8 and matches the leaf. Errors are Errc::unavailable, reason "spiffe.bad_svid".
Result<X509Svid> check_x509_svid(const RawX509Svid& raw);

// Splits concatenated DER certificates (the Workload API's bundle and chain encoding).
Result<std::vector<std::string>> split_der_certificates(std::string_view der);

// A bundle key from the wire ("spiffe://example.org", also accepted bare) to its trust
// domain name; an error for anything else.
Result<std::string> bundle_trust_domain(std::string_view key);

// PEM text for OpenSSL's loaders: certificates and a private key.
std::string certificates_pem(const std::vector<std::string>& der);
Result<std::string> private_key_pem(std::string_view pkcs8_der);

// All certificates of the named trust domains (every domain when `domains` is empty), PEM.
std::string bundles_pem(const X509BundleSet& bundles, const std::vector<std::string>& domains);

}  // namespace gatehouse::spiffe
