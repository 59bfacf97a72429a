// A client of the SPIFFE Workload API (a SPIRE agent's socket): it keeps the FetchX509SVID,
// FetchX509Bundles and FetchJWTBundles streams open on its own threads, reconnects with
// backoff when one breaks, and publishes each update as an immutable snapshot. Readers on
// the asio loops only load a shared_ptr (never touch gRPC); subscribers are called on the
// client's threads and must be quick (build a context, swap a pointer).
//
// The gRPC side is a plugin loaded by start() (workload_api_plugin.hpp); without it (gRPC
// missing at build time, or the .so not found) start() fails with a clear error.
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
#include "spiffe/workload_api_plugin.hpp"

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

class WorkloadApiClient : public std::enable_shared_from_this<WorkloadApiClient>, private StreamsHost {
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

  Status start();  // loads the gRPC plugin on first use
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

  // Called on the stream threads (workload_api_updates.cpp); public for the tests.
  void publish_x509(X509Context context);
  void publish_x509_bundles(X509Bundles bundles);
  void publish_jwt_bundles(JwtBundles bundles);
  void count_reconnect() { reconnects_.fetch_add(1, std::memory_order_relaxed); }
  void count_rejected() { rejected_.fetch_add(1, std::memory_order_relaxed); }

 private:
  // StreamsHost: raw messages from the plugin, checked here (workload_api_updates.cpp).
  void on_x509_svid(WireX509Update update) override;
  void on_x509_bundles(WireBundles bundles) override;
  void on_jwt_bundles(WireBundles bundles) override;
  void on_reconnect() override { count_reconnect(); }
  void on_stream_ended(const char* stream, int code, const std::string& error, std::chrono::milliseconds retry) override;
  X509BundleSet read_bundles(const WireBundles& wire);

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
  std::unique_ptr<Streams> streams_;  // the plugin's running streams; last, so destroyed first
};

}  // namespace gatehouse::spiffe
