// Fuzz target: an X.509-SVID as it comes off the Workload API stream (the agent is trusted,
// but a broken or hostile socket must not crash the gateway). Input: ID '\n' chain '\n' key,
// split at the first two newlines; also the bundle-key parser on the first line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "spiffe/svid.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto a = in.find('\n');
  std::string_view id = in.substr(0, a);
  std::string_view rest = a == std::string_view::npos ? std::string_view() : in.substr(a + 1);
  auto b = rest.find('\n');
  std::string_view chain = rest.substr(0, b);
  std::string_view key = b == std::string_view::npos ? std::string_view() : rest.substr(b + 1);
  (void)gatehouse::spiffe::bundle_trust_domain(id);
  (void)gatehouse::spiffe::split_der_certificates(rest);
  (void)gatehouse::spiffe::check_x509_svid({id, chain, key, {}});
  (void)gatehouse::spiffe::private_key_pem(key);
  return 0;
}
