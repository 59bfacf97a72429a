// A test server for the SPIFFE Workload API, built from the public definition
// (workload.proto): it serves one X.509-SVID, its trust bundle, federated bundles and JWT
// bundles from PEM given to it, and pushes a new message on every open stream when update()
// is called. It insists on the `workload.spiffe.io: true` header as the spec requires.
// Used in-process by the unit tests and by the spiffe_test_agent binary; it stands in for a
// SPIRE agent, which is not packaged for Debian.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace gatehouse::spiffe::testing {

struct AgentMaterial {
  std::string spiffe_id;   // e.g. spiffe://example.org/gateway
  std::string chain_pem;   // leaf first
  std::string key_pem;     // any private key PEM (sent as PKCS#8 DER)
  std::string bundle_pem;  // CA certificates of the SVID's trust domain
  std::map<std::string, std::string> federated_pem;  // trust domain name -> CA PEM
  std::map<std::string, std::string> jwks;           // trust domain name -> JWKS JSON
};

class TestAgent {
 public:
  // Listens on the Unix socket `path` (an old socket file there is removed).
  static Result<std::unique_ptr<TestAgent>> start(const std::string& path, const AgentMaterial& material);
  ~TestAgent();

  // New material for every open and future stream.
  Status update(const AgentMaterial& material);
  void stop();

  std::uint64_t refused() const;        // calls without the security header
  std::uint64_t streams_opened() const;

 private:
  struct Impl;
  explicit TestAgent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse::spiffe::testing
