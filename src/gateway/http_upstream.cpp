#include "gateway/http_upstream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <deque>
#include <variant>

#include "core/log.hpp"
#include "gateway/merge.hpp"
#include "gateway/message_storage.hpp"
#include "gateway/sse_parser.hpp"
#include "jsonrpc/json_writer.hpp"
#include "net/message_head.hpp"
#include "tls/client_tls.hpp"

namespace gatehouse::gateway {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxJsonBody = 16 * 1024 * 1024;
// Room asked for the next read of an answer's body (at most what is left of a sized one).
constexpr std::size_t kBodyRead = 16 * 1024;

struct Endpoint {
  std::string host;
  std::string port;
  std::string target;  // path and query
  std::string host_header;
  bool https = false;
};

std::optional<Endpoint> parse_endpoint(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u || (u->scheme() != "http" && u->scheme() != "https")) return std::nullopt;
  Endpoint e;
  e.https = u->scheme() == "https";
  e.host = u->host_address();
  if (e.host.size() > 2 && e.host.front() == '[') e.host = e.host.substr(1, e.host.size() - 2);
  e.port = u->has_port() ? std::string(u->port()) : e.https ? "443" : "80";
  e.target = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
  if (u->has_query()) e.target += "?" + std::string(u->encoded_query());
  e.host_header = std::string(u->encoded_host_and_port());
  return e;
}

Error down(std::string_view target, std::string_view what, const boost::system::error_code& ec) {
  if (ec == beast::error::timeout)
    return Error(Errc::timeout, "target " + std::string(target) + " did not answer in time", "upstream.timeout");
  // With TLS 1.3 an upstream refuses the client certificate after the handshake: the
  // alert arrives with the first read.
  if (ec.category() == asio::error::get_ssl_category()) {
    log::warn("upstream.tls_failed", {{"target", target}, {"error", ec.message()}});
    return Error(Errc::unavailable, "target " + std::string(target) + " TLS failed: " + ec.message(),
                 "upstream.tls_failed");
  }
  return Error(Errc::unavailable, "target " + std::string(target) + " " + std::string(what) + ": " + ec.message(),
               "upstream.io");
}

// An https target: the context source (follows rotation) and the settings each connection
// is checked against (server_name defaulted to the URL's host).
struct TlsSetup {
  std::shared_ptr<tls::ClientTls> client;
  tls::ClientSettings settings;
};

// A TLS connection keeps the context it shook hands with alive (a rotation installs a new
// one for later connections; this one stays valid until the connection closes).
struct TlsConnection {
  TlsConnection(std::shared_ptr<ssl::context> c, beast::tcp_stream tcp)
      : context(std::move(c)), stream(std::move(tcp), *context) {}
  std::shared_ptr<ssl::context> context;
  beast::ssl_stream<beast::tcp_stream> stream;
};

// Plain connections stay a bare tcp_stream (no extra indirection on the http:// path).
using Connection = std::variant<beast::tcp_stream, std::unique_ptr<TlsConnection>>;

beast::tcp_stream& tcp_of(Connection& c) {
  if (auto* plain = std::get_if<beast::tcp_stream>(&c)) return *plain;
  return std::get<std::unique_ptr<TlsConnection>>(c)->stream.next_layer();
}

// Runs `op` (an async operation returning an awaitable) on whichever stream `c` is.
template <typename Op>
auto on_stream(Connection& c, Op&& op) {
  if (auto* plain = std::get_if<beast::tcp_stream>(&c)) return op(*plain);
  return op(std::get<std::unique_ptr<TlsConnection>>(c)->stream);
}

// Keep-alive connections to one target, owned by the target's per-loop upstream (so only
// its own thread touches them): a finished exchange hands its connection back, the next one
// takes it instead of resolving and connecting again (for TLS: instead of a handshake).
// The resolved addresses are kept too.
struct ConnectionPool {
  static constexpr std::size_t kMaxIdle = 64;
  std::vector<Connection> idle;
  std::optional<tcp::resolver::results_type> resolved;
  std::shared_ptr<const TlsSetup> tls;  // null: plain http
};

std::string tls_error_text(SSL* ssl, const boost::system::error_code& ec) {
  long verify = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
  if (verify != X509_V_OK) return std::string("certificate not accepted: ") + X509_verify_cert_error_string(verify);
  return ec.message();
}

// One HTTP exchange with the target: the response head, then the body read on demand, so
// an SSE answer is relayed as it arrives and dropping the stream before its end closes the
// connection (which is how the target learns the client went away). A connection whose
// answer was read to the end goes back to the pool.
class Exchange {
 public:
  Exchange(asio::any_io_executor ex, std::string target, std::shared_ptr<ConnectionPool> pool)
      : ex_(std::move(ex)), target_(std::move(target)), pool_(std::move(pool)) {
    parser_.emplace();
    parser_->body_limit(boost::none);
  }
  ~Exchange() {
    if (!pool_ || !conn_ || !parser_->is_done() || !parser_->get().keep_alive() || buffer_.size() != 0) return;
    if (pool_->idle.size() >= ConnectionPool::kMaxIdle) return;
    tcp_of(*conn_).expires_never();
    pool_->idle.push_back(std::move(*conn_));
  }

  // `connect_timeout`: the part of `timeout` a new connection (TCP + TLS) may take.
  asio::awaitable<Status> start(const Endpoint& ep, http::request<http::string_body> req,
                                std::chrono::milliseconds timeout, std::chrono::milliseconds connect_timeout) {
    connect_timeout = std::min(connect_timeout, timeout);
    req.prepare_payload();
    // A pooled connection may have been closed by the target meanwhile: if it fails before
    // any answer, the request goes once more on a new connection.
    while (pool_ && !pool_->idle.empty()) {
      conn_.emplace(std::move(pool_->idle.back()));
      pool_->idle.pop_back();
      tcp_of(*conn_).expires_after(timeout);
      auto [wec, wn] = co_await write_request(req);
      if (!wec) {
        auto [hec, hn] =
            co_await on_stream(*conn_, [&](auto& s) { return http::async_read_header(s, buffer_, *parser_, kTuple); });
        if (!hec) co_return Status{};
        if (hec == beast::error::timeout) co_return fail(down(target_, "read failed", hec));
      }
      // Stale: start over on a fresh connection (the parser saw nothing usable).
      tcp_of(*conn_).close();
      conn_.reset();
      buffer_.clear();
      parser_.emplace();
      parser_->body_limit(boost::none);
    }
    tcp::resolver::results_type results;
    if (!pool_ || !pool_->resolved) {
      tcp::resolver resolver(ex_);
      auto [rec, found] = co_await resolver.async_resolve(ep.host, ep.port, kTuple);
      if (rec) co_return fail(down(target_, "cannot be resolved", rec));
      results = found;
      if (pool_) pool_->resolved = found;
    } else {
      results = *pool_->resolved;
    }
    beast::tcp_stream tcp(ex_);
    tcp.expires_after(connect_timeout);
    auto [cec, _] = co_await tcp.async_connect(results, kTuple);
    if (cec) {
      if (pool_) pool_->resolved.reset();  // resolve again next time: the address may have changed
      co_return fail(cec == beast::error::timeout ? Error(Errc::unavailable, "target " + target_ + " did not accept a connection in time",
                                                          "upstream.connect_timeout")
                                                  : down(target_, "is unreachable", cec));
    }
    // Requests go out whole (one gather write) and are answered before the next: Nagle
    // could only hold a request back behind an unacknowledged one.
    boost::system::error_code nec;
    tcp.socket().set_option(asio::ip::tcp::no_delay(true), nec);
    if (pool_ && pool_->tls) {
      if (auto st = co_await handshake(std::move(tcp), *pool_->tls, connect_timeout); !st.ok()) co_return st;
    } else {
      conn_.emplace(std::move(tcp));
    }
    co_return co_await exchange(req, timeout);
  }

  const http::response<http::buffer_body>& head() const { return parser_->get(); }
  unsigned status() const { return parser_->get().result_int(); }
  std::string_view header(std::string_view name) const {
    auto it = parser_->get().find(name);
    return it == parser_->get().end() ? std::string_view() : std::string_view(it->value());
  }
  bool done() const { return parser_->is_done(); }
  // More of the body already received, beyond a chunk's closing CRLF (which the parser
  // leaves in the buffer until the next chunk): parsing on will not wait for the target.
  bool buffered() const { return buffer_.size() > 2; }
  asio::any_io_executor executor() { return ex_; }

  // Next piece of the body ("" at the end); `timeout`: how long the target may stay silent.
  asio::awaitable<Result<std::string>> read_some(std::optional<std::chrono::milliseconds> timeout) {
    std::string piece;
    if (auto got = co_await read_some_into(piece, timeout); !got.ok()) co_return fail(got.error());
    co_return piece;
  }

  // The whole body, allocated once when the target says its length.
  asio::awaitable<Result<std::string>> read_all(std::chrono::milliseconds timeout) {
    std::string all;
    if (auto length = parser_->content_length(); length && *length <= kMaxJsonBody) all.reserve(*length);
    for (;;) {
      auto got = co_await read_some_into(all, timeout);
      if (!got.ok()) co_return fail(got.error());
      if (*got == 0) break;
      if (all.size() > kMaxJsonBody)
        co_return fail(Errc::unavailable, "target " + target_ + " answered too much", "upstream.too_large");
    }
    co_return all;
  }

 private:
  // Appends what the next read of the body brings to `out`; 0 when the body has ended.
  asio::awaitable<Result<std::size_t>> read_some_into(std::string& out, std::optional<std::chrono::milliseconds> timeout) {
    for (;;) {
      if (parser_->is_done()) co_return std::size_t{0};
      // Beast reads no more than buffer_ has room for, and the headers sized it (512 bytes):
      // a 32 KB answer took 64 recvmsg.
      const auto left = parser_->content_length_remaining();
      const std::size_t want = left ? static_cast<std::size_t>(std::min<std::uint64_t>(*left, kBodyRead)) : kBodyRead;
      if (buffer_.capacity() - buffer_.size() < want) buffer_.reserve(buffer_.size() + want);
      std::array<char, kBodyRead> buf;
      auto& body = parser_->get().body();
      body.data = buf.data();
      body.size = buf.size();
      if (timeout)
        tcp_of(*conn_).expires_after(*timeout);
      else
        tcp_of(*conn_).expires_never();
      auto [ec, n] =
          co_await on_stream(*conn_, [&](auto& s) { return http::async_read_some(s, buffer_, *parser_, kTuple); });
      if (ec == http::error::need_buffer) ec = {};
      if (ec && ec != http::error::end_of_stream) co_return fail(down(target_, "read failed", ec));
      const std::size_t got = buf.size() - body.size;
      out.append(buf.data(), got);
      if (got == 0 && !parser_->is_done() && !ec) continue;  // headers of a chunk only
      co_return got;
    }
  }

  // TLS on a fresh TCP connection: SNI and host-name verification set up before the
  // handshake, the expected SPIFFE ID checked after it, before any request byte is written.
  asio::awaitable<Status> handshake(beast::tcp_stream tcp, const TlsSetup& setup, std::chrono::milliseconds timeout) {
    auto conn = std::make_unique<TlsConnection>(setup.client->current(), std::move(tcp));
    SSL* ssl = conn->stream.native_handle();
    auto refused = [&](std::string why) {
      log::warn("upstream.tls_failed", {{"target", target_}, {"error", why}});
      return fail(Errc::unavailable, "target " + target_ + " TLS failed: " + why, "upstream.tls_failed");
    };
    if (auto st = tls::prepare_client_ssl(ssl, setup.settings); !st) co_return refused(st.error().message);
    auto [hec] = co_await conn->stream.async_handshake(ssl::stream_base::client, kTuple);
    if (hec == beast::error::timeout) co_return fail(down(target_, "TLS handshake", hec));
    if (hec) co_return refused(tls_error_text(ssl, hec));
    if (auto st = tls::verify_upstream_identity(ssl, setup.settings); !st) co_return refused(st.error().message);
    conn_.emplace(std::move(conn));
    co_return Status{};
  }

  // Head and body in one gather write (net::message_head: Beast's serializer cost more than
  // the rest of the request's way out).
  asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> write_request(
      const http::request<http::string_body>& req) {
    std::string head = net::message_head(req.base());
    std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(req.body())};
    co_return co_await on_stream(*conn_, [&](auto& s) { return asio::async_write(s, buffers, kTuple); });
  }

  asio::awaitable<Status> exchange(http::request<http::string_body>& req, std::chrono::milliseconds timeout) {
    tcp_of(*conn_).expires_after(timeout);
    auto [wec, wn] = co_await write_request(req);
    if (wec) co_return fail(down(target_, "write failed", wec));
    auto [hec, hn] =
        co_await on_stream(*conn_, [&](auto& s) { return http::async_read_header(s, buffer_, *parser_, kTuple); });
    if (hec) co_return fail(down(target_, "read failed", hec));
    co_return Status{};
  }

  asio::any_io_executor ex_;
  std::optional<Connection> conn_;  // empty until connected; reset when a pooled one was stale
  std::string target_;
  std::shared_ptr<ConnectionPool> pool_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::buffer_body>> parser_;  // reset for a retry
};

bool is_json(std::string_view content_type) { return content_type.starts_with("application/json"); }
bool is_sse(std::string_view content_type) { return content_type.starts_with("text/event-stream"); }

// Messages of one answer: a JSON body (one message or a batch) or an SSE stream.
class HttpStream final : public MessageStream {
 public:
  HttpStream(std::unique_ptr<Exchange> ex, std::string target, std::string session_id,
             std::optional<std::chrono::milliseconds> idle, bool sse, bool ends_with_response)
      : ex_(std::move(ex)), target_(std::move(target)), session_id_(std::move(session_id)), idle_(idle),
        sse_(sse), ends_with_response_(ends_with_response) {}
  explicit HttpStream(std::deque<json::object> ready) : ready_(std::move(ready)), finished_(true) {}

  // A message next() returns without reading (not when it reads first: parse_more_first).
  bool buffered() const override { return !ready_.empty() && !parse_more_first(); }

  asio::awaitable<Result<std::optional<json::object>>> next() override {
    for (;;) {
      if (!ready_.empty() && !parse_more_first()) {
        auto m = std::move(ready_.front());
        ready_.pop_front();
        last_event_id_ = std::move(ready_ids_.front());
        ready_ids_.pop_front();
        // A priming event whose response came in the same read has nothing to resume: drop
        // it, so the answer can go back as plain JSON (one write, not an SSE stream of five).
        if (m.empty() && ends_with_response_ && !ready_.empty() && !ready_.front().empty() &&
            !ready_.front().contains("method"))
          continue;
        // The response to the request ends the exchange, whatever else the stream carries.
        if (ends_with_response_ && !m.empty() && !m.contains("method")) {
          ready_.clear();
          ready_ids_.clear();
          finished_ = true;
          // An SSE answer usually ends right after its response: read that end in the
          // background, so the connection goes back to the pool instead of being closed.
          if (ex_ && !ex_->done()) {
            auto executor = ex_->executor();
            asio::co_spawn(executor, drain(std::move(ex_)), asio::detached);
          }
          ex_.reset();
        }
        co_return std::optional<json::object>(std::move(m));
      }
      if (finished_ || !ex_) co_return std::optional<json::object>();
      auto piece = co_await ex_->read_some(idle_);
      if (!piece.ok()) {
        finished_ = true;
        co_return fail(piece.error());
      }
      if (piece->empty()) {
        finished_ = true;
        continue;
      }
      std::vector<SseEvent> events;
      if (!sse_) {
        json_ += *piece;
        if (json_.size() > kMaxJsonBody)
          co_return fail(Errc::unavailable, "target " + target_ + " answered too much", "upstream.too_large");
        if (!ex_->done()) continue;
        take_json(json_);
        finished_ = true;
        continue;
      }
      if (!parser_.feed(*piece, events)) {
        finished_ = true;
        co_return fail(Errc::unavailable, "target " + target_ + " sent an oversized event", "upstream.too_large");
      }
      for (auto& e : events) {
        if (e.event != "message") continue;
        if (!is_blank(e.data)) {
          take_json(e.data, e.id);
        } else if (priming_ && !e.id.empty()) {
          ready_.emplace_back();  // a priming event: the position before any message
          ready_ids_.push_back(e.id);
        }
      }
    }
  }
  // A priming event with more of the answer already received: parse that first, so a
  // response that came with it can drop the priming (in next()).
  bool parse_more_first() const {
    return !ready_.empty() && ready_.back().empty() && ends_with_response_ && ex_ && !finished_ && ex_->buffered();
  }

  std::string session_id() const override { return session_id_; }
  std::string last_event_id() const override { return last_event_id_; }
  std::uint64_t retry_ms() const override { return parser_.retry_ms(); }
  void relay_priming() { priming_ = true; }

  static bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

  static asio::awaitable<void> drain(std::unique_ptr<Exchange> ex) {
    for (int i = 0; i < 4 && !ex->done(); ++i) {
      auto piece = co_await ex->read_some(std::chrono::milliseconds(1000));
      if (!piece.ok() || piece->empty()) break;
    }
  }  // ~Exchange: pooled if the answer ended, closed otherwise

  // `event_id`: the SSE id the messages came with (every message of a batch shares it).
  void take_json(std::string_view text, const std::string& event_id = {}) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec, message_storage());
    if (ec) {
      log::warn("upstream.bad_json", {{"target", target_}});
      return;
    }
    if (v.is_object()) {
      ready_.push_back(std::move(v.get_object()));
      ready_ids_.push_back(event_id);
    } else if (v.is_array()) {
      for (auto& item : v.get_array())
        if (item.is_object()) {
          ready_.push_back(std::move(item.get_object()));
          ready_ids_.push_back(event_id);
        }
    }
  }

 private:
  std::unique_ptr<Exchange> ex_;
  std::string target_;
  std::string session_id_;
  std::optional<std::chrono::milliseconds> idle_;
  bool sse_ = false;
  bool ends_with_response_ = false;
  std::deque<json::object> ready_;
  std::deque<std::string> ready_ids_;  // the SSE id of each message in ready_
  std::string last_event_id_;
  std::string json_;
  SseParser parser_;
  bool finished_ = false;
  bool priming_ = false;
};

// A stream that ends its short-lived upstream session when dropped.
class ClosingStream final : public MessageStream {
 public:
  ClosingStream(std::unique_ptr<MessageStream> inner, asio::any_io_executor ex, UpstreamCall call,
                std::shared_ptr<Upstream> owner)
      : inner_(std::move(inner)), ex_(ex), call_(std::move(call)), owner_(std::move(owner)) {}
  ~ClosingStream() override {
    inner_.reset();
    asio::co_spawn(
        ex_, [owner = owner_, call = call_]() -> asio::awaitable<void> { (void)co_await owner->close_session(call); },
        asio::detached);
  }
  asio::awaitable<Result<std::optional<json::object>>> next() override { co_return co_await inner_->next(); }
  std::string last_event_id() const override { return inner_->last_event_id(); }
  std::uint64_t retry_ms() const override { return inner_->retry_ms(); }

 private:
  std::unique_ptr<MessageStream> inner_;
  asio::any_io_executor ex_;
  UpstreamCall call_;
  std::shared_ptr<Upstream> owner_;
};

class HttpUpstream final : public Upstream, public std::enable_shared_from_this<HttpUpstream> {
 public:
  HttpUpstream(asio::any_io_executor ex, std::string target, HttpTarget spec, Endpoint ep,
               std::shared_ptr<const TlsSetup> tls)
      : ex_(ex), target_(std::move(target)), spec_(std::move(spec)), ep_(std::move(ep)),
        pool_(std::make_shared<ConnectionPool>()) {
    pool_->tls = std::move(tls);
  }

  asio::awaitable<Result<std::unique_ptr<MessageStream>>> request(UpstreamCall call,
                                                                  json::object message) override {
    if (call.protocol_version == kModernVersion) {
      if (!modern_) modern_ = co_await probe_modern(call, message);
      if (!*modern_) co_return co_await stateless_fallback(std::move(call), std::move(message));
    }
    co_return co_await post(call, message);
  }

  asio::awaitable<Status> send(UpstreamCall call, json::object message) override {
    auto req = make(http::verb::post, call, &message);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "application/json, text/event-stream");
    req.body() = jsonrpc::to_json(message);
    auto ex = std::make_unique<Exchange>(ex_, target_, pool_);
    if (auto st = co_await ex->start(ep_, std::move(req), call.timeout, spec_.connect_timeout); !st.ok()) co_return fail(st.error());
    if (ex->status() == 404 && !call.session_id.empty())
      co_return fail(Errc::not_found, "target " + target_ + " lost the session", "upstream.session_lost");
    if (ex->status() >= 300)
      co_return fail(Errc::unavailable, "target " + target_ + " refused the message: " + std::to_string(ex->status()),
                     "upstream.refused");
    co_return Status{};
  }

  asio::awaitable<Result<std::unique_ptr<MessageStream>>> open_stream(UpstreamCall call) override {
    auto req = make(http::verb::get, call);
    req.set(http::field::accept, "text/event-stream");
    auto ex = std::make_unique<Exchange>(ex_, target_, pool_);
    if (auto st = co_await ex->start(ep_, std::move(req), call.timeout, spec_.connect_timeout); !st.ok()) co_return fail(st.error());
    if (ex->status() == 405 || ex->status() == 404 && call.session_id.empty())
      co_return std::unique_ptr<MessageStream>(new HttpStream(std::deque<json::object>{}));
    // Anything but an event stream (a 409 for a second stream, a 400 for an unknown
    // Last-Event-ID) is a refusal, not messages for the client.
    if (!(ex->status() == 200 && is_sse(ex->header("Content-Type"))) && ex->status() != 404)
      co_return fail(Errc::unavailable, "target " + target_ + " refused the stream (HTTP " + std::to_string(ex->status()) + ")",
                     "upstream.stream_refused");
    co_return co_await answer(std::move(ex), call, /*ends_with_response=*/false, /*idle=*/false);
  }

  asio::awaitable<Status> close_session(UpstreamCall call) override {
    if (call.session_id.empty()) co_return Status{};
    auto ex = std::make_unique<Exchange>(ex_, target_, pool_);
    if (auto st = co_await ex->start(ep_, make(http::verb::delete_, call), call.timeout, spec_.connect_timeout); !st.ok()) co_return st;
    co_return Status{};
  }

 private:
  http::request<http::string_body> make(http::verb verb, const UpstreamCall& call,
                                        const json::object* message = nullptr) const {
    http::request<http::string_body> req{verb, ep_.target, 11};
    req.set(http::field::host, ep_.host_header);
    req.set(http::field::user_agent, "gatehouse");
    for (const auto& [k, v] : call.headers) req.set(k, v);
    for (const auto& [k, v] : spec_.headers) req.set(k, v);
    if (!call.session_id.empty()) req.set("Mcp-Session-Id", call.session_id);
    if (!call.protocol_version.empty()) req.set("MCP-Protocol-Version", call.protocol_version);
    if (message && call.protocol_version == kModernVersion) {
      // The 2026-07-28 standard headers, from the body as it goes upstream (after renaming).
      if (auto* m = message->if_contains("method"); m && m->is_string()) req.set("Mcp-Method", m->get_string());
      if (auto* p = message->if_contains("params"); p && p->is_object()) {
        auto& po = p->get_object();
        if (auto* n = po.if_contains("name"); n && n->is_string()) req.set("Mcp-Name", n->get_string());
        else if (auto* u = po.if_contains("uri"); u && u->is_string()) req.set("Mcp-Name", u->get_string());
      }
    }
    return req;
  }

  asio::awaitable<Result<std::unique_ptr<MessageStream>>> post(const UpstreamCall& call,
                                                               const json::object& message) {
    auto req = make(http::verb::post, call, &message);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "application/json, text/event-stream");
    req.body() = jsonrpc::to_json(message);
    auto ex = std::make_unique<Exchange>(ex_, target_, pool_);
    if (auto st = co_await ex->start(ep_, std::move(req), call.timeout, spec_.connect_timeout); !st.ok()) co_return fail(st.error());
    co_return co_await answer(std::move(ex), call, /*ends_with_response=*/true);
  }

  // Does the target serve 2026-07-28? Asked once per upstream with server/discover.
  asio::awaitable<bool> probe_modern(const UpstreamCall& call, const json::object& message) {
    json::object probe;
    probe["jsonrpc"] = "2.0";
    probe["id"] = "gatehouse-probe";
    probe["method"] = "server/discover";
    json::object params;
    if (auto* p = message.if_contains("params"); p && p->is_object())
      if (auto* meta = p->get_object().if_contains("_meta")) params["_meta"] = *meta;
    probe["params"] = std::move(params);
    auto s = co_await post(call, probe);
    if (!s.ok()) co_return false;
    auto r = co_await read_response(**s);
    if (!r.ok()) co_return false;
    auto* result = r->if_contains("result");
    if (!result || !result->is_object()) co_return false;
    auto* versions = result->get_object().if_contains("supportedVersions");
    if (!versions || !versions->is_array()) co_return false;
    for (const auto& v : versions->get_array())
      if (v.is_string() && v.get_string() == kModernVersion) co_return true;
    co_return false;
  }

  // A 2026-07-28 request to a target that only speaks the session era: a short-lived
  // upstream session for this one request (initialize, the request, DELETE), so no state
  // is shared between callers.
  asio::awaitable<Result<std::unique_ptr<MessageStream>>> stateless_fallback(UpstreamCall call,
                                                                             json::object message) {
    json::object meta;
    if (auto* p = message.if_contains("params"); p && p->is_object())
      if (auto* m = p->get_object().if_contains("_meta"); m && m->is_object()) meta = m->get_object();
    json::object init;
    init["jsonrpc"] = "2.0";
    init["id"] = "gatehouse-init";
    init["method"] = "initialize";
    json::object params;
    params["protocolVersion"] = "2025-11-25";
    auto* caps = meta.if_contains("io.modelcontextprotocol/clientCapabilities");
    params["capabilities"] = caps && caps->is_object() ? *caps : json::value(json::object());
    auto* info = meta.if_contains("io.modelcontextprotocol/clientInfo");
    params["clientInfo"] =
        info && info->is_object() ? *info : json::value(json::object{{"name", "gatehouse"}, {"version", "0"}});
    init["params"] = std::move(params);
    UpstreamCall legacy = call;
    legacy.protocol_version.clear();
    auto s = co_await post(legacy, init);
    if (!s.ok()) co_return fail(s.error());
    auto r = co_await read_response(**s);
    if (!r.ok()) co_return fail(r.error());
    auto* result = r->if_contains("result");
    if (!result || !result->is_object())
      co_return fail(Errc::unavailable, "target " + target_ + " refused to initialize", "upstream.initialize");
    legacy.session_id = (*s)->session_id();
    auto* v = result->get_object().if_contains("protocolVersion");
    legacy.protocol_version = v && v->is_string() ? std::string(v->get_string()) : "2025-11-25";
    auto* method = message.if_contains("method");
    if (method && method->is_string() && method->get_string() == "server/discover") {
      json::object answer;
      answer["jsonrpc"] = "2.0";
      answer["id"] = message.contains("id") ? message["id"] : json::value(nullptr);
      answer["result"] = discover_from_initialize(result->get_object());
      (void)co_await close_session(legacy);
      co_return std::unique_ptr<MessageStream>(new HttpStream(std::deque<json::object>{std::move(answer)}));
    }
    json::object initialized{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}};
    (void)co_await send(legacy, std::move(initialized));
    auto inner = co_await post(legacy, message);
    if (!inner.ok()) {
      (void)co_await close_session(legacy);
      co_return fail(inner.error());
    }
    co_return std::unique_ptr<MessageStream>(new ClosingStream(std::move(*inner), ex_, legacy, this_shared()));
  }

  // Turns the response head into a message stream (or the error it means).
  asio::awaitable<Result<std::unique_ptr<MessageStream>>> answer(std::unique_ptr<Exchange> ex,
                                                                 const UpstreamCall& call,
                                                                 bool ends_with_response, bool idle = true) {
    unsigned status = ex->status();
    std::string content_type(ex->header("Content-Type"));
    std::string session(ex->header("Mcp-Session-Id"));
    if (status == 404 && !call.session_id.empty())
      co_return fail(Errc::not_found, "target " + target_ + " lost the session", "upstream.session_lost");
    if (status == 202 || status == 204)
      co_return std::unique_ptr<MessageStream>(new HttpStream(std::deque<json::object>{}));
    std::optional<std::chrono::milliseconds> timeout;
    if (idle) timeout = call.timeout;
    if (is_sse(content_type) && status == 200) {
      auto s = std::make_unique<HttpStream>(std::move(ex), target_, std::move(session), timeout, true, ends_with_response);
      if (call.relay_priming) s->relay_priming();
      co_return std::unique_ptr<MessageStream>(std::move(s));
    }
    if (is_json(content_type)) {
      // Also for 4xx: a JSON-RPC error body is the target's answer.
      auto body = co_await ex->read_all(call.timeout);
      if (!body.ok()) co_return fail(body.error());
      auto s = std::make_unique<HttpStream>(nullptr, target_, std::move(session), timeout, false, ends_with_response);
      s->take_json(*body);
      co_return std::unique_ptr<MessageStream>(std::move(s));
    }
    co_return fail(Errc::unavailable,
                   "target " + target_ + " answered HTTP " + std::to_string(status) + " (" + content_type + ")",
                   "upstream.bad_response");
  }

  std::shared_ptr<Upstream> this_shared() { return shared_from_this(); }

  asio::any_io_executor ex_;
  std::string target_;
  HttpTarget spec_;
  Endpoint ep_;
  std::shared_ptr<ConnectionPool> pool_;
  std::optional<bool> modern_;  // whether the target serves 2026-07-28; unknown until asked
};

}  // namespace

std::shared_ptr<Upstream> make_http_upstream(asio::any_io_executor ex, std::string target, const HttpTarget& spec) {
  auto ep = parse_endpoint(spec.url);
  if (!ep) {
    log::error("upstream.bad_url", {{"target", target}, {"url", spec.url}});
    return nullptr;
  }
  std::shared_ptr<const TlsSetup> tls;
  if (ep->https) {
    auto client = spec.tls;
    if (!client) {  // no tls block: the system trust store and the URL's host
      auto made = tls::ClientTls::create(tls::ClientSettings{.server_name = ep->host});
      if (!made) {
        log::error("upstream.tls_failed", {{"target", target}, {"error", made.error().message}});
        return nullptr;
      }
      client = *made;
    }
    auto setup = std::make_shared<TlsSetup>(TlsSetup{client, client->settings()});
    if (setup->settings.server_name.empty()) setup->settings.server_name = ep->host;
    tls = std::move(setup);
  }
  return std::make_shared<HttpUpstream>(ex, std::move(target), spec, std::move(*ep), std::move(tls));
}

}  // namespace gatehouse::gateway
