// A client of the SPIFFE Workload API (a SPIRE agent's socket): it keeps the FetchX509SVID,
// FetchX509Bundles and FetchJWTBundles streams open on its own threads, reconnects with
// backoff when one breaks, and publishes each update as an immutable snapshot. Readers on
// the asio loops only load a shared_ptr (never touch gRPC); subscribers are called on the
// client's threads and must be quick (build a context, swap a pointer).
//
// Without gRPC at build time the class still exists and start() fails with a clear error,
// so the rest of the gateway builds either way.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.hpp"
#include "spiffe/svid.hpp"

namespace gatehouse::spiffe {

struct ClientOptions {
  std::string endpoint;  // unix:///path or tcp://ip:port; empty: $SPIFFE_ENDPOINT_SOCKET
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  bool x509_bundles = true;  // also run FetchX509Bundles
  bool jwt_bundles = true;   // also run FetchJWTBundles
};

// Dropping the handle unsubscribes (after a callback already running has returned).
using Subscription = std::shared_ptr<void>;

class WorkloadApiClient : public std::enable_shared_from_this<WorkloadApiClient> {
 public:
  using X509Callback = std::function<void(const std::shared_ptr<const X509Context>&)>;
  using X509BundlesCallback = std::function<void(const std::shared_ptr<const X509Bundles>&)>;
  using JwtBundlesCallback = std::function<void(const std::shared_ptr<const JwtBundles>&)>;

  // Checks the endpoint; does not connect.
  static Result<std::shared_ptr<WorkloadApiClient>> create(ClientOptions options);
  // One started client per endpoint for the whole process (listeners and targets of every
  // config generation share it); created and started on first use.
  static Result<std::shared_ptr<WorkloadApiClient>> shared(const ClientOptions& options);
  ~WorkloadApiClient();

  Status start();
  void stop();  // cancels the streams and joins the threads; idempotent

  // Latest snapshots; null until the first message arrived.
  std::shared_ptr<const X509Context> x509_context() const { return x509_.load(std::memory_order_acquire); }
  std::shared_ptr<const X509Bundles> x509_bundles() const { return x509_bundles_.load(std::memory_order_acquire); }
  std::shared_ptr<const JwtBundles> jwt_bundles() const { return jwt_bundles_.load(std::memory_order_acquire); }

  // Blocks until an X.509 context (resp. JWT bundles) is there or the timeout passes.
  bool wait_for_x509_context(std::chrono::milliseconds timeout) const;
  bool wait_for_jwt_bundles(std::chrono::milliseconds timeout) const;

  // The callback runs at once with the current snapshot when there is one, then on each update.
  Subscription subscribe_x509(X509Callback cb);
  Subscription subscribe_x509_bundles(X509BundlesCallback cb);
  Subscription subscribe_jwt_bundles(JwtBundlesCallback cb);

  const std::string& endpoint() const { return endpoint_; }
  // Streams (re)opened after a failure, and messages refused (bad SVID, bad bundle key).
  std::uint64_t reconnects() const { return reconnects_.load(std::memory_order_relaxed); }
  std::uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }

  // Called by the stream threads (workload_api_streams.cpp); public for the tests.
  void publish_x509(X509Context context);
  void publish_x509_bundles(X509Bundles bundles);
  void publish_jwt_bundles(JwtBundles bundles);
  void count_reconnect() { reconnects_.fetch_add(1, std::memory_order_relaxed); }
  void count_rejected() { rejected_.fetch_add(1, std::memory_order_relaxed); }

 private:
  struct Streams;  // the gRPC side; workload_api_streams.cpp
  WorkloadApiClient(ClientOptions options, std::string endpoint, std::string target);
  template <typename Cb, typename Snap>
  Subscription add(std::map<std::uint64_t, Cb>& list, Cb cb, const std::shared_ptr<const Snap>& now);

  ClientOptions options_;
  std::string endpoint_;  // as configured
  std::string target_;    // as gRPC dials it

  std::atomic<std::shared_ptr<const X509Context>> x509_;
  std::atomic<std::shared_ptr<const X509Bundles>> x509_bundles_;
  std::atomic<std::shared_ptr<const JwtBundles>> jwt_bundles_;
  std::uint64_t x509_seq_ = 0, x509_bundles_seq_ = 0, jwt_seq_ = 0;  // guarded by mu_

  // Subscribers; callbacks run under mu_ so an update and an unsubscribe never overlap.
  mutable std::mutex mu_;
  mutable std::condition_variable updated_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, X509Callback> x509_subs_;
  std::map<std::uint64_t, X509BundlesCallback> x509_bundles_subs_;
  std::map<std::uint64_t, JwtBundlesCallback> jwt_subs_;

  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::shared_ptr<Streams> streams_;  // shared_ptr: Streams is incomplete here
};

}  // namespace gatehouse::spiffe
