#include "policy/edge.hpp"

#include <algorithm>
#include <memory>

namespace gatehouse::policy {

namespace http = boost::beast::http;
namespace asio = boost::asio;

namespace {

// Request headers an MCP client sends (both eras) and response headers it must read.
constexpr const char* kAllowHeaders =
    "Content-Type, Accept, Authorization, X-API-Key, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID, "
    "Mcp-Method, Mcp-Name, traceparent, tracestate";
constexpr const char* kExposeHeaders =
    "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate, RateLimit, RateLimit-Policy, Retry-After";
constexpr const char* kAllowMethods = "GET, POST, DELETE, OPTIONS";

// Forwards everything to the real exchange, adding the CORS headers to whatever is answered.
class CorsExchange final : public net::Exchange {
 public:
  CorsExchange(net::Exchange& inner, std::string origin) : inner_(inner), origin_(std::move(origin)) {}
  const net::Request& request() const override { return inner_.request(); }
  const asio::ip::tcp::endpoint& remote() const override { return inner_.remote(); }
  asio::any_io_executor executor() const override { return inner_.executor(); }
  asio::awaitable<bool> respond(net::Response response) override {
    decorate(response);
    co_return co_await inner_.respond(std::move(response));
  }
  asio::awaitable<bool> begin_stream(net::ResponseHead head) override {
    decorate(head);
    co_return co_await inner_.begin_stream(std::move(head));
  }
  asio::awaitable<bool> write_chunk(std::string_view data) override { co_return co_await inner_.write_chunk(data); }
  asio::awaitable<void> end_stream() override { co_await inner_.end_stream(); }
  asio::awaitable<void> finish_stream(std::string_view last) override { co_await inner_.finish_stream(last); }
  asio::awaitable<void> wait_peer_closed() override { co_await inner_.wait_peer_closed(); }
  bool peer_closed() const override { return inner_.peer_closed(); }

 private:
  template <class Fields>
  void decorate(Fields& f) {
    f.set(http::field::access_control_allow_origin, origin_);
    f.set(http::field::access_control_expose_headers, kExposeHeaders);
    f.set(http::field::vary, "Origin");
  }
  net::Exchange& inner_;
  std::string origin_;
};

std::string_view path_of(const net::Request& req) {
  std::string_view target = req.target();
  return target.substr(0, target.find('?'));
}

}  // namespace

const CorsRoute* Edge::cors_for(std::string_view path) const {
  for (const auto& r : cors_)
    if (r.path == path) return &r;
  return nullptr;
}

bool Edge::origin_allowed(const CorsRoute& route, std::string_view origin) {
  return std::any_of(route.allowed_origins.begin(), route.allowed_origins.end(),
                     [&](const std::string& o) { return o == "*" || o == origin; });
}

net::Handler Edge::wrap(net::Handler inner) const {
  return [this, inner = std::move(inner)](net::Exchange& ex) -> asio::awaitable<void> { co_await handle(ex, inner); };
}

asio::awaitable<void> Edge::handle(net::Exchange& ex, const net::Handler& inner) const {
  {
    const auto& req = ex.request();
    const auto path = path_of(req);
    for (const auto& e : endpoints_) {
      if (e.path != path) continue;
      co_await e.handler(ex);
      co_return;
    }
    for (const auto& doc : documents_) {
      if (doc.path != path) continue;
      net::Response res{req.method() == http::verb::get || req.method() == http::verb::head ? http::status::ok
                                                                                              : http::status::method_not_allowed,
                        req.version()};
      if (res.result() == http::status::ok) {
        res.set(http::field::content_type, "application/json");
        res.set(http::field::cache_control, "max-age=300");
        res.body() = doc.body;
      } else {
        res.set(http::field::allow, "GET, HEAD, OPTIONS");
      }
      // Public metadata: any web client may read it.
      res.set(http::field::access_control_allow_origin, "*");
      if (req.method() == http::verb::options) {
        res.result(http::status::no_content);
        res.set(http::field::access_control_allow_methods, "GET, OPTIONS");
        res.body().clear();
      }
      res.prepare_payload();
      co_await ex.respond(std::move(res));
      co_return;
    }
    const CorsRoute* cors = cors_for(path);
    auto origin_it = req.find(http::field::origin);
    if (!cors || origin_it == req.end()) {
      co_await inner(ex);
      co_return;
    }
    std::string origin(origin_it->value());
    if (!origin_allowed(*cors, origin)) {
      // Not ours to allow: the front end decides (it refuses foreign Origins with 403).
      co_await inner(ex);
      co_return;
    }
    if (req.method() == http::verb::options) {
      net::Response res{http::status::no_content, req.version()};
      res.set(http::field::access_control_allow_origin, origin);
      res.set(http::field::access_control_allow_methods, kAllowMethods);
      res.set(http::field::access_control_allow_headers, kAllowHeaders);
      res.set(http::field::access_control_max_age, std::to_string(cors->max_age.count()));
      res.set(http::field::vary, "Origin");
      res.prepare_payload();
      co_await ex.respond(std::move(res));
      co_return;
    }
    CorsExchange decorated(ex, origin);
    co_await inner(decorated);
  }
}

}  // namespace gatehouse::policy
