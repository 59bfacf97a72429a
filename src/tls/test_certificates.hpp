// Test support: a throwaway certificate authority made with OpenSSL, issuing leaf certificates
// with the SANs, lifetimes and keys a test needs (expired, wrong trust domain...). Used by the
// tls tests and by the integration tests' certificate tool; never by the gateway itself.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace gatehouse::tls::testing {

struct Issued {
  std::string cert_pem;  // leaf (issued certificates do not include the CA)
  std::string key_pem;
};

struct LeafOptions {
  std::string common_name = "leaf";
  std::vector<std::string> dns_names;
  std::vector<std::string> uris;  // e.g. spiffe://example.org/agent
  std::chrono::seconds not_before{-3600};  // relative to now
  std::chrono::seconds not_after{24 * 3600};
  bool server = true;  // extended key usage serverAuth (else clientAuth)
  std::vector<std::string> ip_addresses;  // e.g. 127.0.0.1
};

class TestCa {
 public:
  explicit TestCa(const std::string& common_name);
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  const std::string& cert_pem() const { return cert_pem_; }
  Issued issue(const LeafOptions& options) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string cert_pem_;
};

// Writes `content` to `dir/name` (dir created if needed) and returns the path. Writes through a
// temporary file and rename, as a rotation would.
std::string write_file(const std::string& dir, const std::string& name, const std::string& content);

}  // namespace gatehouse::tls::testing
