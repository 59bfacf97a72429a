#include "auth/beast_fetch.hpp"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

namespace gatehouse::auth {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

Unexpected down(std::string what, const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return fail(Errc::timeout, what + ": timed out", "http.timeout");
  return fail(Errc::unavailable, what + ": " + ec.message(), "http.unavailable");
}

template <typename Stream>
asio::awaitable<Result<HttpResponse>> exchange(Stream& stream, http::request<http::string_body>& req,
                                               const BeastFetchOptions& opt) {
  beast::get_lowest_layer(stream).expires_after(opt.timeout);
  auto [wec, wn] = co_await http::async_write(stream, req, kTuple);
  if (wec) co_return down("write", wec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(opt.max_body);
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kTuple);
  if (rec) co_return down("read", rec);
  auto& res = parser.get();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  out.content_type = std::string(res[http::field::content_type]);
  out.body = std::move(res.body());
  co_return out;
}

std::shared_ptr<asio::ssl::context> default_tls() {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_default_verify_paths();
  ctx->set_verify_mode(asio::ssl::verify_peer);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  return ctx;
}

asio::awaitable<Result<HttpResponse>> fetch_once(HttpRequest req, const BeastFetchOptions& opt) {
  auto url = boost::urls::parse_absolute_uri(req.url);
  if (!url) co_return fail(Errc::invalid_config, "bad URL " + req.url);
  bool tls = url->scheme() == "https";
  if (!tls && url->scheme() != "http") co_return fail(Errc::invalid_config, "unsupported scheme in " + req.url);
  std::string host(url->host_address());
  bool loopback = host == "127.0.0.1" || host == "::1" || host == "localhost";
  if (!tls && !loopback && !opt.allow_plain_http)
    co_return fail(Errc::invalid_config, "plain http is only allowed to loopback: " + req.url);
  std::string port = url->has_port() ? std::string(url->port()) : (tls ? "443" : "80");
  std::string target(url->encoded_target());
  if (target.empty() || target[0] != '/') target = "/" + target;

  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(host, port, kTuple);
  if (rec) co_return down("resolve " + host, rec);
  beast::tcp_stream tcp_stream(ex);
  tcp_stream.expires_after(opt.timeout);
  auto [cec, ep] = co_await tcp_stream.async_connect(endpoints, kTuple);
  if (cec) co_return down("connect " + host, cec);

  http::request<http::string_body> hreq;
  hreq.method_string(req.method);
  hreq.target(target);
  hreq.version(11);
  hreq.set(http::field::host, url->has_port() ? host + ":" + port : host);
  hreq.set(http::field::user_agent, "gatehouse-auth");
  for (const auto& [k, v] : req.headers) hreq.set(k, v);
  hreq.body() = std::move(req.body);
  hreq.prepare_payload();
  hreq.keep_alive(false);

  if (!tls) co_return co_await exchange(tcp_stream, hreq, opt);

  auto ctx = opt.tls ? opt.tls : default_tls();
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), *ctx);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()))
    co_return fail(Errc::unavailable, "TLS SNI setup failed", "http.unavailable");
  stream.set_verify_callback(asio::ssl::host_name_verification(host));
  auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::client, kTuple);
  if (hec) co_return down("TLS handshake with " + host, hec);
  auto result = co_await exchange(stream, hreq, opt);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
  auto [sec] = co_await stream.async_shutdown(kTuple);  // best effort
  (void)sec;
  co_return result;
}

}  // namespace

HttpFetch make_beast_fetch(BeastFetchOptions options) {
  auto opt = std::make_shared<BeastFetchOptions>(std::move(options));
  if (!opt->tls) opt->tls = default_tls();
  return [opt](HttpRequest req) -> asio::awaitable<Result<HttpResponse>> {
    co_return co_await fetch_once(std::move(req), *opt);
  };
}

}  // namespace gatehouse::auth
