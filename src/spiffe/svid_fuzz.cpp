// Fuzz target: an X.509-SVID as it comes off the Workload API stream (the agent is trusted,
// but a broken or hostile socket must not crash the gateway). Input: ID '\n', a 2-byte
// big-endian chain length, the chain (DER), then the key (DER PKCS#8); the bundle-key parser
// also gets the ID line and the certificate splitter everything after it.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <string_view>

#include "spiffe/svid.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto a = in.find('\n');
  std::string_view id = in.substr(0, a);
  std::string_view rest = a == std::string_view::npos ? std::string_view() : in.substr(a + 1);
  std::size_t n = rest.size() >= 2 ? (static_cast<unsigned char>(rest[0]) << 8 | static_cast<unsigned char>(rest[1])) : 0;
  std::string_view body = rest.size() >= 2 ? rest.substr(2) : std::string_view();
  std::string_view chain = body.substr(0, std::min(n, body.size()));
  std::string_view key = body.substr(chain.size());
  (void)gatehouse::spiffe::bundle_trust_domain(id);
  (void)gatehouse::spiffe::split_der_certificates(rest);
  (void)gatehouse::spiffe::check_x509_svid({id, chain, key, {}});
  (void)gatehouse::spiffe::private_key_pem(key);
  return 0;
}
