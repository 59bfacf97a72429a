// The gateway as the app runs it: one HTTP server per listener (a thread per core, each
// with its own loop and acceptor), the MCP front end on every route, the admin listener
// (/healthz, /readyz, /config), hot reload of routes and targets, and graceful shutdown
// on SIGTERM/SIGINT that lets in-flight requests finish before children are stopped.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "gateway/front_end.hpp"
#include "gateway/gateway_config.hpp"
#include "net/http_server.hpp"

namespace gatehouse::gateway {

struct GatewayOptions {
  int threads = 0;                 // per listener; 0: one per core
  std::string session_key;         // sessions.key; empty: a random key and a warning
  std::string server_version = "0.1.0";
  net::ServerLimits limits;
  std::chrono::milliseconds drain_grace{10'000};  // run(): how long SIGTERM lets requests finish
  // Applied to each listener's handler at create(): the app puts its edge (metadata
  // documents, CORS, the access log) in front of the MCP front end.
  std::function<net::Handler(net::Handler)> wrap_handler;
  // Consulted by the admin listener for paths other than /healthz, /readyz and /config
  // (the app serves /metrics and /loglevel there). Empty: those paths are 404.
  net::Handler admin_extra;
  // Called with each MCP request's record when it is over (access log, metrics).
  RequestObserver on_request_done;
  RequestStartObserver on_request_start;  // only with on_request_done
  // Called once by run() when SIGTERM/SIGINT or shutdown() arrives, before draining (the app
  // closes its own long-lived connections here so the loops can run out of work).
  std::function<void()> on_shutdown;
};

class Gateway {
 public:
  // Binds every listener (and the admin one) now, so port errors surface before run().
  static Result<std::unique_ptr<Gateway>> create(SnapshotPtr snapshot, GatewayOptions options);
  ~Gateway();

  // Serves on background threads and returns.
  void start();
  // start(), then blocks until SIGTERM/SIGINT or shutdown(), then drains with the
  // configured grace. Returns when everything is stopped.
  void run();
  // Asks run() to drain and return (any thread).
  void shutdown();
  // Stops accepting, lets in-flight exchanges finish up to `grace`, stops the stdio
  // children, then closes what is left. Idempotent.
  void drain(std::chrono::milliseconds grace);

  // Hot reload: new requests use `snapshot` and `chain` (swapped together, so no request
  // sees a new route with an old chain); in-flight ones finish on theirs; sessions stay
  // valid (same key). Listener changes need a restart (logged). Without a chain, the
  // built-in chain of the snapshot is used (tests and the harness; the app always passes
  // its own, so policies are never dropped by a reload).
  void update(SnapshotPtr snapshot, std::shared_ptr<const PolicyChain> chain = nullptr);
  // The redacted configuration /config answers with (JSON text). Default: the snapshot's
  // routes and targets, header values and environment values redacted.
  void set_config_dump(std::string json);

  // Bound ports, in the order of the snapshot's listeners; admin_port() 0 when none.
  std::vector<unsigned short> ports() const;
  unsigned short admin_port() const;
  bool ready() const { return !draining_.load(); }
  FrontEnd& front_end() { return *front_; }

 private:
  Gateway() = default;
  asio::awaitable<void> handle_admin(net::Exchange& ex);

  GatewayOptions options_;
  std::shared_ptr<const SessionCodec> codec_;
  std::shared_ptr<UpstreamPools> pools_;
  std::unique_ptr<FrontEnd> front_;
  std::vector<std::unique_ptr<net::HttpServer>> servers_;
  std::unique_ptr<net::HttpServer> admin_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> drained_{false};
  std::atomic<bool> started_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool shutdown_requested_ = false;
  std::string config_dump_;  // guarded by mu_
};

// The default /config body for a snapshot: no secrets (header and env values redacted).
std::string redacted_snapshot_json(const GatewaySnapshot& snapshot);

}  // namespace gatehouse::gateway
