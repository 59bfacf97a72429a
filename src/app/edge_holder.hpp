// Holds the current policy::Edge (metadata documents, CORS) behind an atomic pointer, so
// listeners keep one handler for their lifetime while a reload swaps what the edge serves.
#pragma once

#include <atomic>
#include <memory>

#include "net/http_server.hpp"
#include "policy/edge.hpp"

namespace gatehouse::app {

class EdgeHolder : public std::enable_shared_from_this<EdgeHolder> {
 public:
  explicit EdgeHolder(std::shared_ptr<const policy::Edge> edge) : edge_(std::move(edge)) {}

  void store(std::shared_ptr<const policy::Edge> edge) { edge_.store(std::move(edge)); }

  // A handler in front of `inner`; each exchange uses the edge current when it arrives.
  net::Handler wrap(net::Handler inner) {
    return [self = shared_from_this(), inner = std::move(inner)](net::Exchange& ex) -> boost::asio::awaitable<void> {
      auto edge = self->edge_.load();  // kept alive by this frame for the whole exchange
      co_await edge->handle(ex, inner);
    };
  }

 private:
  std::atomic<std::shared_ptr<const policy::Edge>> edge_;
};

}  // namespace gatehouse::app
