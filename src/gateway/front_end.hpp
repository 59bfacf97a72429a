// The MCP front end: a net::Handler that matches the route from the current snapshot (a
// request keeps the snapshot it started with), checks what MCP requires of the HTTP request
// (Origin, Content-Type, Accept, size, protocol version, session), parses the body once,
// runs the policy chain, then hands the message to the relay.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "gateway/gateway_config.hpp"
#include "gateway/policy_chain.hpp"
#include "gateway/principal_limits.hpp"
#include "gateway/request_record.hpp"
#include "gateway/session_codec.hpp"
#include "gateway/upstream_pool.hpp"
#include "net/http_server.hpp"

namespace gatehouse::gateway {

class FrontEnd {
 public:
  FrontEnd(std::shared_ptr<const SessionCodec> codec, std::shared_ptr<UpstreamPools> pools,
           std::string server_version);

  // Swaps the snapshot (and the policy chain built for it); in-flight requests finish on
  // the one they started with.
  void update(SnapshotPtr snapshot);
  // The same with a chain built by the caller (the app, with its policies; tests).
  void update(SnapshotPtr snapshot, std::shared_ptr<const PolicyChain> chain);
  SnapshotPtr snapshot() const;
  PrincipalLimits& principal_limits() { return *limits_; }
  // Set before serving: called with each request's record when it is over.
  void set_observer(RequestObserver observer) { observer_ = std::move(observer); }
  void set_start_observer(RequestStartObserver observer) { start_observer_ = std::move(observer); }

  // `listener`: the name of the listener the request came in on (routes name theirs).
  asio::awaitable<void> handle(net::Exchange& exchange, std::string_view listener = {});
  net::Handler handler(std::string listener = {}) {
    return [this, listener](net::Exchange& ex) { return handle(ex, listener); };
  }

 private:
  struct Live {
    SnapshotPtr snapshot;
    std::shared_ptr<const PolicyChain> chain;
  };
  asio::awaitable<void> handle_checked(net::Exchange& exchange, std::shared_ptr<const Live> live,
                                       std::string_view listener, RequestRecord* record);

  std::shared_ptr<const SessionCodec> codec_;
  std::shared_ptr<UpstreamPools> pools_;
  std::string server_version_;
  std::shared_ptr<PrincipalLimits> limits_ = std::make_shared<PrincipalLimits>();
  std::atomic<std::shared_ptr<const Live>> live_;
  RequestObserver observer_;
  RequestStartObserver start_observer_;
};

// Fills preq.target and the upstream name (tool, prompt, resource_uri) from preq.name.
void resolve_names(const RouteSpec& route, bool prefix, std::span<const std::string> targets,
                   PolicyRequest& preq);

// Exposed for tests. Origin is allowed when absent, listed, or a loopback origin.
bool origin_allowed(std::string_view origin, const RouteSpec& route);
// Does an Accept header value admit `type` (exact, type/*, or */*)?
bool accepts(std::string_view accept, std::string_view type);

}  // namespace gatehouse::gateway
