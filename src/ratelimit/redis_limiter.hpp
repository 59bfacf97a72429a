// The global limiter: token buckets kept in Redis so every gateway replica draws from one
// budget. The refill-and-take runs as one Lua script (atomic in Redis, and timed by Redis's
// own clock so replicas with skewed clocks agree). One instance per gateway thread: it owns
// that thread's pipelined connection.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "ratelimit/redis_connection.hpp"
#include "ratelimit/token_bucket.hpp"

namespace gatehouse::ratelimit {

// What to answer when Redis cannot: let the call through (availability first) or refuse it
// (protection first). Either way the decision is marked `fallback` and counted.
enum class FailureMode { open, closed };

class RedisLimiter {
 public:
  RedisLimiter(asio::any_io_executor ex, RedisEndpoint endpoint, FailureMode mode,
               std::string key_prefix = "gatehouse:rl:");

  asio::awaitable<Decision> take(std::string_view key, const BucketSpec& spec, double cost = 1);

  std::uint64_t fallbacks() const { return fallbacks_.load(std::memory_order_relaxed); }

  static const std::string& script();

  // Closes the Redis connection (at shutdown, so the thread's event loop can end).
  void close() { connection_->close(); }

 private:
  Decision fallback_decision();
  static Result<Decision> parse_reply(const RedisReply& reply);

  std::shared_ptr<RedisConnection> connection_;
  FailureMode mode_;
  std::string prefix_;
  std::string script_sha_;
  std::atomic<std::uint64_t> fallbacks_{0};
};

}  // namespace gatehouse::ratelimit
