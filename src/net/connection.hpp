// One accepted HTTP/1.1 connection: reads requests one at a time within the limits and
// deadlines, runs the handler on each through an Exchange, and watches for the peer
// closing while the handler works. Internal to the server (http_server.cpp).
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <memory>
#include <unordered_map>

#include "net/http_server.hpp"

namespace gatehouse::net {

// The part of the server that connections share and that must outlive them: coroutine
// frames keep it alive, so a server on a caller-owned io_context can be destroyed while
// the last connections wind down.
struct ServerShared;

class Connection;

// Per io_context: its acceptor and the connections it owns (touched only on its thread).
struct Loop {
  explicit Loop(asio::io_context& io) : io(io), acceptor(io) {}
  asio::io_context& io;
  asio::ip::tcp::acceptor acceptor;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;
};

struct ServerShared {
  ServerShared(HttpServer::Options o, Handler h) : options(std::move(o)), handler(std::move(h)) {}
  HttpServer::Options options;
  Handler handler;
  std::atomic<std::size_t> active{0};
  std::atomic<bool> draining{false};
  std::vector<std::unique_ptr<Loop>> loops;
};

// TLS seam: the stream is a beast::tcp_stream today; a TLS listener would make Connection a
// template on the stream type (beast::ssl_stream<beast::tcp_stream>) and add the handshake.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<ServerShared> shared, Loop& loop, asio::ip::tcp::socket socket);
  ~Connection();

  static asio::awaitable<void> session(std::shared_ptr<Connection> self);

  // Closes the socket now; pending reads and writes complete with errors.
  void close();
  // Waiting for the next request on a kept-alive connection (safe to close when draining).
  bool idle() const { return idle_; }

 private:
  friend class ExchangeImpl;

  asio::awaitable<bool> read_request(http::request_parser<http::string_body>& parser);
  asio::awaitable<void> reject(http::status status, std::string_view text);
  asio::awaitable<bool> serve(Request request);
  asio::awaitable<void> watch_peer();
  void start_watch();
  asio::awaitable<void> stop_watch();

  std::shared_ptr<ServerShared> shared_;
  Loop& loop_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  asio::ip::tcp::endpoint remote_;
  bool idle_ = false;
  bool closed_ = false;

  // Peer watch during an exchange: a read on the socket in parallel with the handler.
  bool watching_ = false;
  bool watch_stop_ = false;
  bool peer_closed_ = false;
  asio::steady_timer peer_closed_signal_;
  asio::steady_timer watch_done_signal_;
};

}  // namespace gatehouse::net
