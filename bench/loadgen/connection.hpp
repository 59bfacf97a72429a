// One client connection of gatehouse-loadgen: plain TCP or TLS (Boost.Beast over OpenSSL),
// carrying one HTTP/1.1 exchange at a time. I/O errors come back as `false`, never thrown.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <optional>
#include <string>

namespace gatehouse::bench {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// A client TLS context for benchmark peers: self-signed certificates, so no verification.
boost::asio::ssl::context make_client_tls();

class Connection {
 public:
  // `tls` null: plain HTTP. The context must outlive the connection.
  Connection(boost::asio::any_io_executor ex, boost::asio::ssl::context* tls) : ex_(std::move(ex)), tls_ctx_(tls) {}

  // TCP connect (Nagle off) and, for TLS, the handshake with `server_name` as SNI.
  boost::asio::awaitable<bool> open(const boost::asio::ip::tcp::resolver::results_type& endpoints,
                                    const std::string& server_name);
  boost::asio::awaitable<bool> exchange(Request& req, Response& res);
  // Closes the socket without a TLS close_notify round trip (the request said Connection: close).
  void close();
  bool is_open() const { return plain_.has_value() || tls_.has_value(); }

 private:
  boost::beast::tcp_stream& tcp() { return tls_ ? boost::beast::get_lowest_layer(*tls_) : *plain_; }

  boost::asio::any_io_executor ex_;
  boost::asio::ssl::context* tls_ctx_;
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
  boost::beast::flat_buffer buf_;
};

}  // namespace gatehouse::bench
