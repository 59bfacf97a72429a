// HTTP/1.1 server on Boost.Beast with C++20 coroutines. Knows no MCP and no policy: it
// accepts, reads one request at a time per connection within limits and deadlines, and
// hands each request to a handler that answers with a whole response or a stream (SSE).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::net {

namespace asio = boost::asio;
namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using ResponseHead = http::response_header<>;

struct ServerLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds header_timeout{10'000};  // first byte to end of headers
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};  // keep-alive between requests
  std::chrono::milliseconds write_timeout{30'000};  // one write of a response or chunk
};

// One request and its answer. The handler must finish it with respond(), or with
// begin_stream() ... end_stream(); if it returns without doing either, the server
// answers 500. All members are called from the connection's executor.
class Exchange {
 public:
  virtual ~Exchange() = default;

  virtual const Request& request() const = 0;
  virtual const asio::ip::tcp::endpoint& remote() const = 0;
  // Executor of the connection (the thread's io_context).
  virtual asio::any_io_executor executor() const = 0;

  // Sends a whole response; Content-Length is set. false: the client is gone.
  virtual asio::awaitable<bool> respond(Response response) = 0;

  // Starts a chunked response (e.g. Content-Type: text/event-stream), then writes chunks
  // as they come: nothing is buffered. false: the client is gone (stop producing).
  virtual asio::awaitable<bool> begin_stream(ResponseHead head) = 0;
  virtual asio::awaitable<bool> write_chunk(std::string_view data) = 0;
  virtual asio::awaitable<void> end_stream() = 0;
  // A last chunk and the end of the body; one write where the transport can (an SSE answer's
  // final event and the chunked terminator need not be two packets).
  virtual asio::awaitable<void> finish_stream(std::string_view last) {
    // (No co_await inside && or ||: GCC 12 miscompiles it.)
    if (!last.empty()) {
      const bool written = co_await write_chunk(last);
      if (!written) co_return;
    }
    co_await end_stream();
  }

  // Completes when the peer closes the connection while this exchange streams, so a
  // handler can cancel upstream work (e.g. 2026-07-28 cancellation by stream close).
  // Returns at once if already closed. Use with asio::experimental::make_parallel_group
  // or awaitable operators against the producer.
  virtual asio::awaitable<void> wait_peer_closed() = 0;
  virtual bool peer_closed() const = 0;

  // The TLS session on a TLS listener (peer certificate, SNI, ALPN), else nullptr.
  virtual SSL* tls_session() const { return nullptr; }
};

using Handler = std::function<asio::awaitable<void>(Exchange&)>;

struct ListenSpec {
  std::string address = "127.0.0.1";
  unsigned short port = 0;  // 0: any free port (see HttpServer::port())
};

// For a TLS listener: returns the context for the next connection (called once per accepted
// connection, so a rotated certificate applies to new connections only). The handshake runs
// within header_timeout. Works with tls::CertificateReloader through an aliasing shared_ptr:
//   [r] { auto c = r->current(); return std::shared_ptr<ssl::context>(c, &c->context()); }
using TlsContextSource = std::function<std::shared_ptr<asio::ssl::context>()>;

// Listens on one address. With threads > 1, each thread runs its own io_context and its
// own acceptor bound with SO_REUSEPORT, so nothing is shared on the hot path.
class HttpServer {
 public:
  struct Options {
    ListenSpec listen;
    ServerLimits limits;
    int threads = 1;
    TlsContextSource tls;  // empty: plain HTTP
  };

  static Result<std::unique_ptr<HttpServer>> create(Options options, Handler handler);
  // Serves on a caller-owned io_context (threads is ignored, run()/start() are not used):
  // the caller runs `io`. drain() then only starts draining and returns; stop() closes.
  static Result<std::unique_ptr<HttpServer>> create_on(asio::io_context& io, Options options,
                                                       Handler handler);
  virtual ~HttpServer() = default;

  // The bound port (after create, useful with port 0).
  virtual unsigned short port() const = 0;

  // Runs the event loops on `threads` threads (the calling thread is one of them) until
  // stop() or drain() finishes.
  virtual void run() = 0;
  // Starts the loops on background threads and returns.
  virtual void start() = 0;

  // Stops accepting; lets in-flight exchanges finish up to `grace`, then closes the rest.
  virtual void drain(std::chrono::milliseconds grace) = 0;
  // Closes everything now and joins background threads.
  virtual void stop() = 0;

  // Number of open connections and exchanges in flight (for readiness and drain).
  virtual std::size_t active_connections() const = 0;
};

}  // namespace gatehouse::net
