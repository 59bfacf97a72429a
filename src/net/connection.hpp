// What the server (http_server.cpp) and its connections (connection.cpp) share: the loops,
// the options, the counters, and the entry point that serves one accepted connection.
// Internal to the net module.
#pragma once

#include <atomic>
#include <memory>
#include <unordered_map>

#include "net/http_server.hpp"

namespace gatehouse::net {

// The part of the server that connections share and that must outlive them: coroutine
// frames keep it alive, so a server on a caller-owned io_context can be destroyed while
// the last connections wind down.
struct ServerShared;

class ConnectionBase;

// Per io_context: its acceptor and the connections it owns (touched only on its thread).
struct Loop {
  explicit Loop(asio::io_context& io) : io(io), acceptor(io) {}
  asio::io_context& io;
  asio::ip::tcp::acceptor acceptor;
  std::unordered_map<ConnectionBase*, std::weak_ptr<ConnectionBase>> connections;
};

struct ServerShared {
  ServerShared(HttpServer::Options o, Handler h) : options(std::move(o)), handler(std::move(h)) {}
  HttpServer::Options options;
  Handler handler;
  std::atomic<std::size_t> active{0};
  std::atomic<bool> draining{false};
  std::vector<std::unique_ptr<Loop>> loops;
};

// What the server needs of any connection, whatever its stream.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // Closes the socket now; pending reads and writes complete with errors.
  virtual void close() = 0;
  // Waiting for the next request on a kept-alive connection (safe to close when draining).
  virtual bool idle() const = 0;
};

// Accepts one connection from `socket` and serves it until it closes: plain HTTP, or TLS with
// `tls` (handshake first, within header_timeout).
void serve_connection(std::shared_ptr<ServerShared> shared, Loop& loop, asio::ip::tcp::socket socket,
                      std::shared_ptr<asio::ssl::context> tls);

}  // namespace gatehouse::net
