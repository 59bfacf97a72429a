// One pipelined connection to Redis, bound to one executor (one gateway thread). Commands
// are formatted and replies parsed by hiredis; the I/O is Asio coroutines. Replies come back
// in order, so many coroutines can share the connection without waiting for each other.
// On any I/O error or timeout the connection is dropped (pending calls fail) and the next
// call reconnects, at most once per `reconnect_backoff`.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::ratelimit {

namespace asio = boost::asio;

struct RedisReply {
  enum class Kind { nil, integer, string, status, error, array };
  Kind kind = Kind::nil;
  std::int64_t integer = 0;
  std::string text;  // string, status or error text
  std::vector<RedisReply> elements;
};

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  unsigned short port = 6379;
  std::chrono::milliseconds connect_timeout{200};
  std::chrono::milliseconds command_timeout{100};
  std::chrono::milliseconds reconnect_backoff{500};
};

class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
 public:
  static std::shared_ptr<RedisConnection> create(asio::any_io_executor ex, RedisEndpoint endpoint);
  ~RedisConnection();

  // Sends one command; Errc::unavailable when Redis cannot be reached, Errc::timeout when it
  // does not answer in time. A Redis error reply is a value (kind error), not a failure.
  asio::awaitable<Result<RedisReply>> command(std::vector<std::string> argv);

  bool connected() const { return state_ == State::connected; }
  // Closes the connection (pending calls fail) so its read loop ends; the next call reconnects.
  void close() { drop("closed"); }

 private:
  struct Pending;
  enum class State { disconnected, connecting, connected };

  RedisConnection(asio::any_io_executor ex, RedisEndpoint endpoint);
  asio::awaitable<Status> ensure_connected();
  asio::awaitable<void> read_loop(std::shared_ptr<RedisConnection> self);
  asio::awaitable<void> write_loop(std::shared_ptr<RedisConnection> self);
  void drop(const std::string& why);

  asio::any_io_executor ex_;
  RedisEndpoint endpoint_;
  asio::ip::tcp::socket socket_;
  State state_ = State::disconnected;
  std::uint64_t generation_ = 0;  // bumps on every drop, so stale loops stop
  std::chrono::steady_clock::time_point last_attempt_{};
  std::shared_ptr<Pending> connect_waiters_;
  std::deque<std::shared_ptr<Pending>> pending_;  // awaiting replies, in send order
  std::string outbox_;
  bool writing_ = false;
  void* reader_ = nullptr;  // redisReader*, kept opaque to keep hiredis out of the header
};

}  // namespace gatehouse::ratelimit
