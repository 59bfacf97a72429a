// The per-connection request loop and the Exchange a handler answers through.
#include "net/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_cat.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/core/error.hpp>

#include <array>
#include <cstring>
#include <exception>
#include <type_traits>

#include "core/log.hpp"
#include "net/message_head.hpp"

namespace gatehouse::net {

namespace beast = boost::beast;
using boost::system::error_code;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// The most a request body read asks room for at once (a larger body takes more reads).
constexpr std::size_t kLargeBodyRead = 64 * 1024;

namespace {

bool is_close(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == beast::error::timeout || ec == asio::error::bad_descriptor ||
         ec == asio::error::broken_pipe || ec == http::error::partial_message;
}

// Logging stays out of coroutine bodies: GCC 12 mishandles some braced initializers of
// string literals inside coroutine frames.
void log_handler_failure(std::string_view event, std::string_view error, const Request& req) {
  log::error(event, {{"error", error}, {"method", std::string_view(req.method_string())},
                     {"target", std::string_view(req.target())}});
}

void log_tls_failure(const error_code& ec, const asio::ip::tcp::endpoint& remote) {
  log::debug("net.tls_handshake_failed", {{"error", ec.message()}, {"remote", remote.address().to_string()}});
}

}  // namespace

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <typename Stream>
class ExchangeImpl;

// One accepted connection on a plain or TLS stream: reads requests one at a time within the
// limits and deadlines, runs the handler on each through an Exchange, and watches for the
// peer closing while the handler works.
template <typename Stream>
class Connection final : public ConnectionBase, public std::enable_shared_from_this<Connection<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Connection(std::shared_ptr<ServerShared> shared, Loop& loop, Stream stream,
             std::shared_ptr<asio::ssl::context> tls);
  ~Connection() override;

  static asio::awaitable<void> session(std::shared_ptr<Connection> self);

  // ConnectionBase
  void close() override;
  bool idle() const override { return idle_; }

 private:
  friend class ExchangeImpl<Stream>;

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  asio::awaitable<bool> handshake();
  asio::awaitable<bool> read_request(http::request_parser<http::string_body>& parser);
  asio::awaitable<void> reject(http::status status, std::string_view text);
  asio::awaitable<bool> serve(Request request);
  asio::awaitable<void> watch_peer();
  void start_watch();
  asio::awaitable<void> stop_watch();

  std::shared_ptr<ServerShared> shared_;
  Loop& loop_;
  std::shared_ptr<asio::ssl::context> tls_;  // kept alive for the connection's lifetime
  Stream stream_;
  beast::flat_buffer buffer_;
  asio::ip::tcp::endpoint remote_;
  bool idle_ = false;
  bool closed_ = false;

  // Peer watch during an exchange: a read on the stream in parallel with the handler.
  bool watching_ = false;
  bool watch_stop_ = false;
  bool peer_closed_ = false;
  asio::steady_timer peer_closed_signal_;
  asio::steady_timer watch_done_signal_;
};

// The Exchange of one request; lives on the stack of Connection::serve.
template <typename Stream>
class ExchangeImpl final : public Exchange {
 public:
  ExchangeImpl(Connection<Stream>& c, Request r) : conn_(c), request_(std::move(r)) {}

  // Exchange
  const Request& request() const override { return request_; }
  const asio::ip::tcp::endpoint& remote() const override { return conn_.remote_; }
  asio::any_io_executor executor() const override { return conn_.stream_.get_executor(); }

  asio::awaitable<bool> respond(Response response) override {
    assert(!answered_ && "respond() or begin_stream() called twice");
    if (answered_) co_return false;
    answered_ = true;
    response.version(request_.version() == 10 ? 10 : 11);
    keep_alive_ = keep_alive_ && response.keep_alive() && request_.keep_alive() &&
                  !conn_.shared_->draining.load(std::memory_order_relaxed);
    response.keep_alive(keep_alive_);
    response.prepare_payload();
    conn_.lowest().expires_after(conn_.shared_->options.limits.write_timeout);
    // Head and body go out in one gather write; the head says how long the body is, and for
    // HEAD the body itself is not sent.
    std::string head = message_head(response.base());
    std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(response.body())};
    if (request_.method() == http::verb::head) buffers[1] = {};
    auto [ec, n] = co_await asio::async_write(conn_.stream_, buffers, kTuple);
    if (ec) co_return fail_write();
    complete_ = true;
    co_return true;
  }

  asio::awaitable<bool> begin_stream(ResponseHead head) override {
    assert(!answered_ && "respond() or begin_stream() called twice");
    if (answered_) co_return false;
    answered_ = true;
    streaming_ = true;
    http::response<http::empty_body> res(std::move(head));
    // HTTP/1.0 has no chunked encoding: the body runs until the connection closes.
    raw_ = request_.version() == 10;
    res.version(raw_ ? 10 : 11);
    keep_alive_ = !raw_ && keep_alive_ && res.keep_alive() && request_.keep_alive() &&
                  !conn_.shared_->draining.load(std::memory_order_relaxed);
    res.keep_alive(keep_alive_);
    if (!raw_) res.chunked(true);
    http::response_serializer<http::empty_body> sr(res);
    conn_.lowest().expires_after(conn_.shared_->options.limits.write_timeout);
    auto [ec, n] = co_await http::async_write_header(conn_.stream_, sr, kTuple);
    if (ec) co_return fail_write();
    // A stream may run for long: from now on a peer that goes away is noticed (see start_watch).
    conn_.start_watch();
    co_return true;
  }

  asio::awaitable<bool> write_chunk(std::string_view data) override {
    assert(streaming_ && !ended_);
    if (!streaming_ || ended_ || failed_ || conn_.peer_closed_) co_return fail_write();
    if (data.empty()) co_return true;  // an empty chunk would end the body
    conn_.lowest().expires_after(conn_.shared_->options.limits.write_timeout);
    error_code ec;
    if (raw_) {
      std::tie(ec, std::ignore) = co_await asio::async_write(conn_.stream_, asio::buffer(data), kTuple);
    } else {
      std::tie(ec, std::ignore) =
          co_await asio::async_write(conn_.stream_, http::make_chunk(asio::buffer(data)), kTuple);
    }
    if (ec) co_return fail_write();
    co_return true;
  }

  asio::awaitable<void> end_stream() override {
    if (!streaming_ || ended_) co_return;
    ended_ = true;
    if (failed_ || conn_.peer_closed_) {
      fail_write();
      co_return;
    }
    if (!raw_) {
      conn_.lowest().expires_after(conn_.shared_->options.limits.write_timeout);
      auto [ec, n] = co_await asio::async_write(conn_.stream_, http::make_chunk_last(), kTuple);
      if (ec) {
        fail_write();
        co_return;
      }
    }
    complete_ = true;
  }

  asio::awaitable<void> finish_stream(std::string_view last) override {
    if (raw_ || last.empty() || !streaming_ || ended_ || failed_ || conn_.peer_closed_) {
      if (!last.empty()) {
        const bool written = co_await write_chunk(last);  // (not inside &&: GCC 12 miscompiles it)
        if (!written) co_return;
      }
      co_await end_stream();
      co_return;
    }
    ended_ = true;
    conn_.lowest().expires_after(conn_.shared_->options.limits.write_timeout);
    auto [ec, n] = co_await asio::async_write(
        conn_.stream_, beast::buffers_cat(http::make_chunk(asio::buffer(last)), http::make_chunk_last()), kTuple);
    if (ec) {
      fail_write();
      co_return;
    }
    complete_ = true;
  }

  asio::awaitable<void> wait_peer_closed() override {
    if (conn_.peer_closed_ || conn_.closed_) co_return;
    conn_.start_watch();
    if (!conn_.watching_) co_return;
    co_await conn_.peer_closed_signal_.async_wait(kTuple);
  }
  bool peer_closed() const override { return conn_.peer_closed_; }
  SSL* tls_session() const override {
    if constexpr (Connection<Stream>::kTls) return conn_.stream_.native_handle();
    else return nullptr;
  }

  bool answered() const { return answered_; }
  bool streaming() const { return streaming_; }
  bool ended() const { return ended_; }
  // The response went out whole and the connection may carry another request.
  bool reusable() const { return complete_ && keep_alive_ && !failed_ && !raw_; }

 private:
  bool fail_write() {
    failed_ = true;
    return false;
  }

  Connection<Stream>& conn_;
  Request request_;
  bool answered_ = false;
  bool streaming_ = false;
  bool ended_ = false;
  bool raw_ = false;
  bool failed_ = false;
  bool complete_ = false;
  bool keep_alive_ = true;
};

template <typename Stream>
Connection<Stream>::Connection(std::shared_ptr<ServerShared> shared, Loop& loop, Stream stream,
                               std::shared_ptr<asio::ssl::context> tls)
    : shared_(std::move(shared)),
      loop_(loop),
      tls_(std::move(tls)),
      stream_(std::move(stream)),
      peer_closed_signal_(stream_.get_executor()),
      watch_done_signal_(stream_.get_executor()) {
  error_code ec;
  remote_ = lowest().socket().remote_endpoint(ec);
  lowest().socket().set_option(asio::ip::tcp::no_delay(true), ec);
  shared_->active.fetch_add(1, std::memory_order_relaxed);
}

template <typename Stream>
Connection<Stream>::~Connection() { shared_->active.fetch_sub(1, std::memory_order_relaxed); }

// No TLS close_notify: the connection ends either way, and waiting for the peer's answer
// would let a slow client hold it open.
template <typename Stream>
void Connection<Stream>::close() {
  if (closed_) return;
  closed_ = true;
  error_code ec;
  lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  lowest().close();
}

template <typename Stream>
asio::awaitable<bool> Connection<Stream>::handshake() {
  if constexpr (kTls) {
    lowest().expires_after(shared_->options.limits.header_timeout);
    auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (ec) {
      log_tls_failure(ec, remote_);
      co_return false;
    }
  }
  co_return true;
}

template <typename Stream>
asio::awaitable<void> Connection<Stream>::session(std::shared_ptr<Connection> self) {
  self->loop_.connections.emplace(self.get(), self);
  try {
    if (!co_await self->handshake()) self->close();
    for (bool first = true;; first = false) {
      if (self->closed_ || (!first && self->shared_->draining.load(std::memory_order_relaxed))) break;
      http::request_parser<http::string_body> parser;
      if (!co_await self->read_request(parser)) break;
      if (!co_await self->serve(parser.release())) break;
    }
  } catch (const std::exception& e) {
    log_handler_failure("net.connection_failed", e.what(), Request{});
  }
  self->close();
  self->loop_.connections.erase(self.get());
}

// Reads one request; on a violation answers 400/413/431 and returns false.
template <typename Stream>
asio::awaitable<bool> Connection<Stream>::read_request(http::request_parser<http::string_body>& parser) {
  const auto& limits = shared_->options.limits;
  parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_header_bytes, UINT32_MAX)));
  parser.body_limit(limits.max_body_bytes);

  // Between requests the idle deadline applies; from the first byte, the header deadline.
  if (buffer_.size() == 0) {
    if (buffer_.capacity() > kLargeBodyRead / 2) buffer_.shrink_to_fit();  // a kept connection does not keep a large body's room
    idle_ = true;
    lowest().expires_after(limits.idle_timeout);
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(4096), kTuple);
    idle_ = false;
    if (ec) co_return false;
    buffer_.commit(n);
  }
  lowest().expires_after(limits.header_timeout);
  auto [ec, n] = co_await http::async_read_header(stream_, buffer_, parser, kTuple);
  if (ec == http::error::header_limit) {
    co_await reject(http::status::request_header_fields_too_large, "request header too large\n");
    co_return false;
  }
  if (ec == http::error::body_limit) {
    co_await reject(http::status::payload_too_large, "request body too large\n");
    co_return false;
  }
  if (ec) {
    if (!is_close(ec)) co_await reject(http::status::bad_request, "malformed request\n");
    co_return false;
  }

  if (!parser.is_done()) {
    const auto& req = parser.get();
    auto expect = req[http::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      lowest().expires_after(limits.write_timeout);
      auto [wec, wn] = co_await asio::async_write(stream_, asio::buffer(kContinue), kTuple);
      if (wec) co_return false;
    }
    lowest().expires_after(limits.body_timeout);
    // Beast reads no more than the buffer has room for, which the headers sized: a 32 KB
    // body came 4 KB per recvmsg.
    if (auto left = parser.content_length_remaining(); left && *left > buffer_.capacity() - buffer_.size())
      buffer_.reserve(buffer_.size() + static_cast<std::size_t>(std::min<std::uint64_t>(*left, kLargeBodyRead)));
    std::tie(ec, n) = co_await http::async_read(stream_, buffer_, parser, kTuple);
    if (ec == http::error::body_limit) {
      co_await reject(http::status::payload_too_large, "request body too large\n");
      co_return false;
    }
    if (ec) {
      if (!is_close(ec)) co_await reject(http::status::bad_request, "malformed request body\n");
      co_return false;
    }
  }
  co_return true;
}

// Answers a framing violation and closes politely: stop sending, then discard what the client
// still sends for a moment so the answer is not lost to a reset.
template <typename Stream>
asio::awaitable<void> Connection<Stream>::reject(http::status status, std::string_view text) {
  Response res{status, 11};
  res.set(http::field::content_type, "text/plain");
  res.keep_alive(false);
  res.body() = text;
  res.prepare_payload();
  lowest().expires_after(shared_->options.limits.write_timeout);
  auto [ec, n] = co_await http::async_write(stream_, res, kTuple);
  if (ec) co_return;
  if constexpr (kTls) co_return;  // a half-close would cut the TLS session short
  error_code sec;
  lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_send, sec);
  // Bounded by time and bytes (like nginx's lingering close): enough for a client that
  // finishes writing a body of a few MB over a fast link, never an open-ended sink.
  lowest().expires_after(std::chrono::seconds(1));
  std::array<char, 16384> sink;
  for (std::size_t total = 0; total < 16 * 1024 * 1024;) {
    auto [rec, rn] = co_await stream_.async_read_some(asio::buffer(sink), kTuple);
    if (rec) break;
    total += rn;
  }
}

// Runs the handler on one request; true when the connection can carry the next one.
template <typename Stream>
asio::awaitable<bool> Connection<Stream>::serve(Request request) {
  ExchangeImpl<Stream> exchange(*this, std::move(request));
  peer_closed_ = false;
  bool threw = false;
  try {
    co_await shared_->handler(exchange);
  } catch (const std::exception& e) {
    threw = true;
    log_handler_failure("net.handler_threw", e.what(), exchange.request());
  } catch (...) {
    threw = true;
    log_handler_failure("net.handler_threw", "unknown exception", exchange.request());
  }
  if (!exchange.answered()) {
    if (!threw) log_handler_failure("net.handler_no_answer", "handler returned without answering", exchange.request());
    Response res{http::status::internal_server_error, 11};
    res.set(http::field::content_type, "text/plain");
    res.body() = "internal error\n";
    co_await exchange.respond(std::move(res));
  } else if (exchange.streaming() && !exchange.ended()) {
    // A stream the handler left open cannot be trusted to be complete: end it only when the
    // handler returned normally, and never reuse the connection after a throw.
    if (!threw) co_await exchange.end_stream();
  }
  co_await stop_watch();
  co_return !threw && exchange.reusable() && !peer_closed_ && !closed_;
}

// The peer is watched only while a handler streams or waits for it to go away: a whole
// response needs no watch (a client that left is seen when the answer is written or the next
// request read), and starting one costs a coroutine, a read attempt and its cancellation per
// request. Starts at most once per exchange.
template <typename Stream>
void Connection<Stream>::start_watch() {
  if (watching_ || peer_closed_ || closed_) return;
  watching_ = true;
  watch_stop_ = false;
  peer_closed_signal_.expires_at(asio::steady_timer::time_point::max());
  watch_done_signal_.expires_at(asio::steady_timer::time_point::max());
  // The watch has no deadline; later writes set only the write deadline while it reads.
  lowest().expires_never();
  asio::co_spawn(stream_.get_executor(),
                 [self = this->shared_from_this()]() -> asio::awaitable<void> { co_await self->watch_peer(); },
                 asio::detached);
}

template <typename Stream>
asio::awaitable<void> Connection<Stream>::stop_watch() {
  if (!watching_) co_return;
  watch_stop_ = true;
  error_code ec;
  lowest().socket().cancel(ec);
  if (watching_) co_await watch_done_signal_.async_wait(kTuple);
}

// An HTTP/1.1 client sends nothing until the response ends, except a pipelined next request,
// which is kept for the next read. End of stream or an error means the peer is gone.
template <typename Stream>
asio::awaitable<void> Connection<Stream>::watch_peer() {
  std::array<char, 2048> chunk;
  while (!watch_stop_) {
    // Through the TLS layer when there is one: the bytes are records, not requests.
    error_code ec;
    std::size_t n = 0;
    if constexpr (kTls) {
      std::tie(ec, n) = co_await stream_.async_read_some(asio::buffer(chunk), kTuple);
    } else {
      std::tie(ec, n) = co_await lowest().socket().async_read_some(asio::buffer(chunk), kTuple);
    }
    if (ec && watch_stop_ && ec == asio::error::operation_aborted) break;
    // A pipelined request may be kept up to the size one request may have anyway.
    const auto& limits = shared_->options.limits;
    if (ec || buffer_.size() + n > limits.max_header_bytes + limits.max_body_bytes) {
      peer_closed_ = true;
      peer_closed_signal_.cancel();
      break;
    }
    auto space = buffer_.prepare(n);
    std::memcpy(space.data(), chunk.data(), n);
    buffer_.commit(n);
  }
  watching_ = false;
  peer_closed_signal_.cancel();  // release any waiter once the exchange is over
  watch_done_signal_.cancel();
}

void serve_connection(std::shared_ptr<ServerShared> shared, Loop& loop, asio::ip::tcp::socket socket,
                      std::shared_ptr<asio::ssl::context> tls) {
  if (tls) {
    TlsStream stream(beast::tcp_stream(std::move(socket)), *tls);
    auto conn = std::make_shared<Connection<TlsStream>>(std::move(shared), loop, std::move(stream), std::move(tls));
    asio::co_spawn(loop.io, Connection<TlsStream>::session(std::move(conn)), asio::detached);
  } else {
    auto conn = std::make_shared<Connection<PlainStream>>(std::move(shared), loop, PlainStream(std::move(socket)),
                                                          nullptr);
    asio::co_spawn(loop.io, Connection<PlainStream>::session(std::move(conn)), asio::detached);
  }
}

}  // namespace gatehouse::net
