// HttpClient: connection pool, unary requests and streamed responses.
#include "net/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <unordered_map>
#include <vector>

namespace gatehouse::net {

namespace beast = boost::beast;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

std::string key_of(const Endpoint& e) { return e.host + ":" + std::to_string(e.port); }

Error transport_error(const error_code& ec, std::string_view what) {
  if (ec == beast::error::timeout)
    return Error(Errc::timeout, std::string(what) + " timed out", "http.timeout");
  if (ec == http::error::body_limit || ec == http::error::header_limit)
    return Error(Errc::unavailable, "upstream response too large", "http.response_too_large");
  if (ec.category() == http::make_error_code(http::error::bad_version).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message)
    return Error(Errc::unavailable, "malformed upstream response: " + ec.message(), "http.bad_response");
  return Error(Errc::unavailable, std::string(what) + " failed: " + ec.message(), "http.unavailable");
}

// The server closed a kept-alive connection (or sent something unasked): not reusable.
bool looks_alive(tcp::socket& s) {
  char c;
  const auto n = ::recv(s.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// A failure on a reused connection before any response byte: the server most likely closed
// it while idle and never saw the request, so one retry on a fresh connection is safe.
bool stale_connection(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted;
}

void prepare(Request& req, const Endpoint& e) {
  if (req.find(http::field::host) == req.end()) {
    const bool v6 = e.host.find(':') != std::string::npos;
    std::string host = v6 ? "[" + e.host + "]" : e.host;
    if (e.port != 80) host += ":" + std::to_string(e.port);
    req.set(http::field::host, host);
  }
  req.version(11);
  req.keep_alive(true);
  req.prepare_payload();
}

}  // namespace

Result<ParsedUrl> parse_http_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return fail(Errc::invalid_config, "not a URL: " + std::string(url), "http.bad_url");
  const auto& u = *parsed;
  if (u.scheme() == "https")
    return fail(Errc::invalid_config, "https upstreams are not supported yet: " + std::string(url), "http.tls");
  if (u.scheme() != "http") return fail(Errc::invalid_config, "not an http URL: " + std::string(url), "http.bad_url");
  if (u.encoded_host().empty()) return fail(Errc::invalid_config, "URL without host: " + std::string(url), "http.bad_url");
  ParsedUrl out;
  out.endpoint.host = u.host_type() == boost::urls::host_type::ipv6 ? u.host_ipv6_address().to_string() : u.host();
  if (u.has_port() && !u.port().empty()) {
    // port_number() wraps values over 65535, so the digits are checked here.
    unsigned long port = 0;
    for (char c : u.port()) {
      port = port * 10 + static_cast<unsigned long>(c - '0');
      if (port > 65535) break;
    }
    if (port == 0 || port > 65535)
      return fail(Errc::invalid_config, "bad port in URL: " + std::string(url), "http.bad_url");
    out.endpoint.port = static_cast<unsigned short>(port);
  }
  out.target = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_query()) out.target += "?" + std::string(u.encoded_query());
  return out;
}

// Idle keep-alive connections by host:port, most recently used last. Single-threaded.
class ConnectionPool {
 public:
  ConnectionPool(asio::any_io_executor ex, ClientOptions options) : ex_(std::move(ex)), options_(options) {}

  const ClientOptions& options() const { return options_; }
  asio::any_io_executor executor() const { return ex_; }

  std::unique_ptr<beast::tcp_stream> take(const std::string& key) {
    auto it = idle_.find(key);
    if (it == idle_.end()) return nullptr;
    auto& list = it->second;
    const auto oldest = Clock::now() - options_.idle_expiry;
    while (!list.empty()) {
      auto entry = std::move(list.back());
      list.pop_back();
      if (entry.since >= oldest && looks_alive(entry.stream->socket())) return std::move(entry.stream);
    }
    idle_.erase(it);
    return nullptr;
  }

  void give_back(const std::string& key, std::unique_ptr<beast::tcp_stream> stream) {
    if (options_.max_idle_per_host == 0) return;
    auto& list = idle_[key];
    const auto oldest = Clock::now() - options_.idle_expiry;
    std::erase_if(list, [&](const Idle& e) { return e.since < oldest; });
    while (list.size() >= options_.max_idle_per_host) list.pop_front();
    stream->expires_never();
    list.push_back(Idle{std::move(stream), Clock::now()});
  }

  asio::awaitable<Result<std::unique_ptr<beast::tcp_stream>>> connect(const Endpoint& e, Clock::time_point deadline) {
    error_code ec;
    std::vector<tcp::endpoint> endpoints;
    if (const auto literal = asio::ip::make_address(e.host, ec); !ec) {
      endpoints.emplace_back(literal, e.port);
    } else {
      tcp::resolver resolver(ex_);
      auto [rec, results] = co_await resolver.async_resolve(e.host, std::to_string(e.port), kTuple);
      if (rec) co_return fail(Errc::unavailable, "cannot resolve " + e.host + ": " + rec.message(), "http.resolve");
      for (const auto& r : results) endpoints.push_back(r.endpoint());
    }
    auto stream = std::make_unique<beast::tcp_stream>(ex_);
    stream->expires_at(std::min(deadline, Clock::now() + options_.connect_timeout));
    std::tie(ec, std::ignore) = co_await stream->async_connect(endpoints, kTuple);
    if (ec) co_return fail(transport_error(ec, "connect to " + key_of(e)));
    stream->socket().set_option(tcp::no_delay(true), ec);
    ++opened_;
    co_return std::move(stream);
  }

  std::size_t idle_count() const {
    std::size_t n = 0;
    for (const auto& [key, list] : idle_) n += list.size();
    return n;
  }
  std::size_t opened() const { return opened_; }

 private:
  struct Idle {
    std::unique_ptr<beast::tcp_stream> stream;
    Clock::time_point since;
  };
  asio::any_io_executor ex_;
  ClientOptions options_;
  std::unordered_map<std::string, std::deque<Idle>> idle_;
  std::size_t opened_ = 0;
};

struct ResponseStream::State {
  std::shared_ptr<ConnectionPool> pool;
  std::string key;
  std::unique_ptr<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::buffer_body>> parser;  // reset for a retry
  bool cancelled = false;
};

ResponseStream::ResponseStream(std::unique_ptr<State> state) : state_(std::move(state)) {
  head_ = state_->parser->get().base();
}

ResponseStream::~ResponseStream() = default;

void ResponseStream::cancel() {
  if (state_->cancelled || !state_->stream) return;
  state_->cancelled = true;
  state_->stream->close();
}

asio::awaitable<Result<std::string>> ResponseStream::read_some(std::optional<std::chrono::milliseconds> idle_timeout) {
  auto& st = *state_;
  if (done_) co_return std::string();
  if (st.cancelled || !st.stream) co_return fail(Errc::unavailable, "response stream cancelled", "http.cancelled");
  if (idle_timeout) st.stream->expires_after(*idle_timeout);
  else st.stream->expires_never();
  std::string piece(16 * 1024, '\0');
  for (;;) {
    auto& body = st.parser->get().body();
    body.data = piece.data();
    body.size = piece.size();
    body.more = true;
    auto [ec, n] = co_await http::async_read_some(*st.stream, st.buffer, *st.parser, kTuple);
    if (ec == http::error::need_buffer) ec = {};
    if (ec == asio::error::operation_aborted && !st.cancelled && st.stream && st.stream->socket().is_open()) {
      // Cancelled by the caller's cancellation slot (e.g. lost a race against a keep-alive
      // timer): nothing was consumed, so the stream stays usable for the next read_some.
      co_return fail(Errc::unavailable, "read cancelled", "http.read_cancelled");
    }
    if (ec) {
      st.stream.reset();
      co_return fail(transport_error(ec, st.cancelled ? "cancelled stream" : "upstream stream"));
    }
    const auto got = piece.size() - st.parser->get().body().size;
    if (st.parser->is_done()) {
      done_ = true;
      if (st.parser->get().keep_alive() && st.buffer.size() == 0) st.pool->give_back(st.key, std::move(st.stream));
      st.stream.reset();
      piece.resize(got);
      co_return piece;  // "" here already means the end
    }
    if (got > 0) {
      piece.resize(got);
      co_return piece;
    }
  }
}

HttpClient::HttpClient(asio::any_io_executor executor, ClientOptions options)
    : pool_(std::make_shared<ConnectionPool>(std::move(executor), options)) {}

HttpClient::~HttpClient() = default;

std::size_t HttpClient::idle_connections() const { return pool_->idle_count(); }
std::size_t HttpClient::connections_opened() const { return pool_->opened(); }

asio::awaitable<Result<Response>> HttpClient::request(Endpoint endpoint, Request request,
                                                      std::optional<std::chrono::milliseconds> timeout) {
  const auto& options = pool_->options();
  const auto deadline = Clock::now() + timeout.value_or(options.timeout);
  const auto key = key_of(endpoint);
  prepare(request, endpoint);
  for (int attempt = 0;; ++attempt) {
    auto stream = attempt == 0 ? pool_->take(key) : nullptr;
    const bool reused = stream != nullptr;
    if (!stream) {
      auto connected = co_await pool_->connect(endpoint, deadline);
      if (!connected) co_return connected.propagate();
      stream = std::move(*connected);
    }
    stream->expires_at(deadline);
    auto [wec, wn] = co_await http::async_write(*stream, request, kTuple);
    if (wec) {
      if (reused && stale_connection(wec)) continue;
      co_return fail(transport_error(wec, "request to " + key));
    }
    http::response_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    if (request.method() == http::verb::head) parser.skip(true);
    beast::flat_buffer buffer;
    auto [rec, rn] = co_await http::async_read(*stream, buffer, parser, kTuple);
    if (rec) {
      if (reused && !parser.got_some() && stale_connection(rec)) continue;
      co_return fail(transport_error(rec, "response from " + key));
    }
    auto response = parser.release();
    // Leftover bytes would belong to no request: such a connection is not reused.
    if (response.keep_alive() && buffer.size() == 0) pool_->give_back(key, std::move(stream));
    co_return response;
  }
}

asio::awaitable<Result<std::unique_ptr<ResponseStream>>> HttpClient::stream(
    Endpoint endpoint, Request request, std::optional<std::chrono::milliseconds> timeout) {
  const auto& options = pool_->options();
  const auto deadline = Clock::now() + timeout.value_or(options.timeout);
  auto state = std::make_unique<ResponseStream::State>();
  state->pool = pool_;
  state->key = key_of(endpoint);
  prepare(request, endpoint);
  for (int attempt = 0;; ++attempt) {
    state->stream = attempt == 0 ? pool_->take(state->key) : nullptr;
    const bool reused = state->stream != nullptr;
    if (!state->stream) {
      auto connected = co_await pool_->connect(endpoint, deadline);
      if (!connected) co_return connected.propagate();
      state->stream = std::move(*connected);
    }
    state->stream->expires_at(deadline);
    auto [wec, wn] = co_await http::async_write(*state->stream, request, kTuple);
    if (wec) {
      if (reused && stale_connection(wec)) continue;
      co_return fail(transport_error(wec, "request to " + state->key));
    }
    state->parser.emplace();
    state->buffer.clear();
    state->parser->header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    state->parser->body_limit(boost::none);  // a stream is as long as the upstream keeps it open
    if (request.method() == http::verb::head) state->parser->skip(true);
    auto [rec, rn] = co_await http::async_read_header(*state->stream, state->buffer, *state->parser, kTuple);
    if (rec) {
      if (reused && !state->parser->got_some() && stale_connection(rec)) continue;
      co_return fail(transport_error(rec, "response from " + state->key));
    }
    const bool empty = state->parser->is_done();
    auto out = std::unique_ptr<ResponseStream>(new ResponseStream(std::move(state)));
    if (empty) out->done_ = true;
    if (empty && out->state_->parser->get().keep_alive())
      out->state_->pool->give_back(out->state_->key, std::move(out->state_->stream));
    co_return std::move(out);
  }
}

}  // namespace gatehouse::net
