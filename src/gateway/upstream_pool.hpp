// The upstreams of each event loop: one per target identity per io_context, created on
// first use, so a request never takes a lock or crosses threads to reach its target.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway/gateway_config.hpp"
#include "gateway/upstream.hpp"

namespace gatehouse::gateway {

class UpstreamPools {
 public:
  using Factory = std::function<std::shared_ptr<Upstream>(asio::any_io_executor, const TargetSpec&)>;
  // The default factory builds stdio children and HTTP clients.
  UpstreamPools();
  explicit UpstreamPools(Factory factory) : factory_(std::move(factory)) {}
  ~UpstreamPools();

  // The upstream for `target` on the calling thread's event loop (`ex` is its executor);
  // nullptr when the transport is not available in this build.
  std::shared_ptr<Upstream> get(const asio::any_io_executor& ex, const TargetSpec& target);

  // A small number naming the calling thread's loop, and the executor of a loop by that
  // number (nullopt: no such loop): an answer to a server request goes back to the loop
  // whose upstream asked.
  unsigned loop_index(const asio::any_io_executor& ex);
  std::optional<asio::any_io_executor> loop_executor(unsigned index);

  // Stops every stdio child of every loop (SIGTERM, then SIGKILL after `grace`) and drops
  // all upstreams. Call with the event loops stopped, before they are destroyed.
  void stop_all(std::chrono::milliseconds grace);
  // The same with the loops still running (graceful shutdown): each loop stops its own
  // children (SIGTERM, SIGKILL after `grace`) and drops its upstreams, so the loops run
  // out of work. Returns at once.
  void stop_async(std::chrono::milliseconds grace);

 private:
  struct Pool {
    asio::any_io_executor executor;
    unsigned index = 0;
    std::map<std::string, std::shared_ptr<Upstream>> upstreams;
  };
  Pool& pool_for(const asio::any_io_executor& ex);

  Factory factory_;
  std::atomic<bool> stopping_{false};  // no new upstreams once shutdown began
  std::mutex mu_;  // guards pools_ (creation of a loop's pool only, never per request)
  std::map<const void*, std::unique_ptr<Pool>> pools_;
  std::vector<Pool*> by_index_;  // guarded by mu_
};

}  // namespace gatehouse::gateway
