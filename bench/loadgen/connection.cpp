#include "bench/loadgen/connection.hpp"

#include <openssl/ssl.h>

#include <chrono>

namespace gatehouse::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

template <typename Stream>
asio::awaitable<bool> round_trip(Stream& stream, beast::flat_buffer& buf, Request& req, Response& res) {
  auto [we, wn] = co_await http::async_write(stream, req, kTuple);
  if (we) co_return false;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  auto [re, rn] = co_await http::async_read(stream, buf, parser, kTuple);
  if (re) co_return false;
  res = parser.release();
  co_return true;
}

}  // namespace

asio::ssl::context make_client_tls() {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);
  // Full handshakes only: no session cache, so every new connection pays the whole cost.
  SSL_CTX_set_session_cache_mode(ctx.native_handle(), SSL_SESS_CACHE_OFF);
  return ctx;
}

asio::awaitable<bool> Connection::open(const asio::ip::tcp::resolver::results_type& endpoints,
                                       const std::string& server_name) {
  close();
  if (tls_ctx_) tls_.emplace(ex_, *tls_ctx_);
  else plain_.emplace(ex_);
  buf_.clear();
  tcp().expires_after(std::chrono::seconds(30));
  auto [ce, ep] = co_await tcp().async_connect(endpoints, kTuple);
  if (ce) co_return false;
  beast::error_code ignored;
  tcp().socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  if (tls_) {
    // SNI carries host names only (RFC 6066), never an address literal.
    beast::error_code not_ip;
    asio::ip::make_address(server_name, not_ip);
    if (not_ip && !SSL_set_tlsext_host_name(tls_->native_handle(), server_name.c_str())) co_return false;
    auto [he] = co_await tls_->async_handshake(asio::ssl::stream_base::client, kTuple);
    if (he) co_return false;
  }
  co_return true;
}

asio::awaitable<bool> Connection::exchange(Request& req, Response& res) {
  if (!is_open()) co_return false;
  tcp().expires_after(std::chrono::seconds(30));
  if (tls_) co_return co_await round_trip(*tls_, buf_, req, res);
  co_return co_await round_trip(*plain_, buf_, req, res);
}

void Connection::close() {
  if (!is_open()) return;
  beast::error_code ignored;
  tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  tcp().socket().close(ignored);
  tls_.reset();
  plain_.reset();
}

}  // namespace gatehouse::bench
