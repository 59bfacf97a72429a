// Async HTTP/1.1 client for upstream calls: a keep-alive connection pool per executor (one
// HttpClient per io_context thread, used only from that thread), whole-response requests
// with connect/total deadlines, and a streaming variant that hands the body over as it
// arrives (SSE upstreams). Transport failures are Errc::unavailable, deadlines Errc::timeout;
// an HTTP error status is a successful call.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "net/http_server.hpp"

namespace gatehouse::net {

struct Endpoint {
  std::string host;  // name or IP literal (IPv6 without brackets)
  unsigned short port = 80;
  bool operator==(const Endpoint&) const = default;
};

struct ParsedUrl {
  Endpoint endpoint;
  std::string target;  // path and query, at least "/"
};

// "http://host[:port]/path?query". https is refused until TLS lands (Errc::invalid_config).
Result<ParsedUrl> parse_http_url(std::string_view url);

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds timeout{30'000};  // whole request: connect, send, receive
  std::size_t max_idle_per_host = 16;
  std::chrono::milliseconds idle_expiry{30'000};  // pooled connections older than this are dropped
  std::size_t max_header_bytes = 64 * 1024;
  std::size_t max_body_bytes = 16 * 1024 * 1024;
};

class ConnectionPool;
class PooledConnection;

// A response whose body is read piece by piece. Destroying it (or cancel()) before the end
// closes the connection; reading to the end returns a reusable connection to the pool.
class ResponseStream {
 public:
  ~ResponseStream();
  ResponseStream(const ResponseStream&) = delete;
  ResponseStream& operator=(const ResponseStream&) = delete;

  const ResponseHead& head() const { return head_; }

  // The next piece of the body as it arrives; "" once the body is complete. idle_timeout
  // bounds the wait for this piece (none by default: SSE streams may be quiet for long);
  // when it expires the connection is closed. Cancelled through the awaiting coroutine's
  // cancellation slot (awaitable operators, parallel groups), it fails with reason
  // "http.read_cancelled" and the stream stays usable.
  asio::awaitable<Result<std::string>> read_some(std::optional<std::chrono::milliseconds> idle_timeout = {});
  bool done() const { return done_; }

  // Closes the connection now; a pending read_some completes with an error. Safe to call
  // from the client's executor at any time, e.g. when the downstream client went away.
  void cancel();

 private:
  friend class HttpClient;
  struct State;
  explicit ResponseStream(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
  ResponseHead head_;
  bool done_ = false;
};

class HttpClient {
 public:
  explicit HttpClient(asio::any_io_executor executor, ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` (Host, Content-Length and keep-alive are filled in) and reads the whole
  // response. `timeout` overrides options.timeout for this call.
  asio::awaitable<Result<Response>> request(Endpoint endpoint, Request request,
                                            std::optional<std::chrono::milliseconds> timeout = {});

  // Sends `request` and returns once the response head arrived (within the timeout); the
  // body is then read with ResponseStream::read_some.
  asio::awaitable<Result<std::unique_ptr<ResponseStream>>> stream(
      Endpoint endpoint, Request request, std::optional<std::chrono::milliseconds> timeout = {});

  // Connections currently idle in the pool (all hosts), for tests and metrics.
  std::size_t idle_connections() const;
  // Connections opened so far (a pool that reuses well keeps this low).
  std::size_t connections_opened() const;

 private:
  std::shared_ptr<ConnectionPool> pool_;
};

}  // namespace gatehouse::net
