// A listener's TLS context fed by the Workload API: the X.509-SVID is the server
// certificate and the trust bundles verify client certificates. Each update from the agent
// builds a new tls::ServerContext and swaps it in; new handshakes take current(), open
// connections keep the context they shook hands with (the CertificateReloader model, with
// the agent's stream in place of the file poll). A context that fails to build is logged
// and the previous one keeps serving.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "spiffe/workload_api_client.hpp"
#include "tls/context.hpp"

namespace gatehouse::spiffe {

struct SvidServerOptions {
  // ALPN, require_client_cert and trust_domains come from here; certificates and the CA
  // bundle come from the agent. Empty trust_domains: every bundle the agent sends is trusted
  // and any trust domain is accepted; else only those domains' bundles and SPIFFE IDs.
  tls::ServerSettings base;
  std::string spiffe_id;  // which SVID to serve when the agent sends several; empty: the first
};

class SvidServerContext {
 public:
  static Result<std::shared_ptr<SvidServerContext>> create(std::shared_ptr<WorkloadApiClient> client,
                                                           SvidServerOptions options);

  // Null until the first SVID arrived (see wait_ready).
  std::shared_ptr<const tls::ServerContext> current() const { return current_.load(std::memory_order_acquire); }
  // Blocks until a context is built or the timeout passes.
  bool wait_ready(std::chrono::milliseconds timeout) const;
  std::uint64_t rotations() const { return rotations_.load(std::memory_order_relaxed); }
  const std::string& endpoint() const { return client_->endpoint(); }

  // The settings one X.509 context gives (exposed for the tests).
  static Result<tls::ServerSettings> settings_for(const X509Context& context, const SvidServerOptions& options);

 private:
  SvidServerContext(std::shared_ptr<WorkloadApiClient> client, SvidServerOptions options)
      : client_(std::move(client)), options_(std::move(options)) {}
  void on_update(const std::shared_ptr<const X509Context>& context);

  std::shared_ptr<WorkloadApiClient> client_;
  SvidServerOptions options_;
  std::atomic<std::shared_ptr<const tls::ServerContext>> current_;
  std::atomic<std::uint64_t> rotations_{0};
  Subscription subscription_;
};

}  // namespace gatehouse::spiffe
