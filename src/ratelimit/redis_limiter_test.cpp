// Runs against a real redis-server started on a free loopback port (Debian's redis-server).
#include "ratelimit/redis_limiter.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <boost/asio.hpp>

#include <thread>

extern char** environ;

namespace gatehouse::ratelimit {
namespace {

using namespace std::chrono_literals;

unsigned short free_port() {
  asio::io_context ctx;
  asio::ip::tcp::acceptor a(ctx, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

bool can_connect(unsigned short port) {
  asio::io_context ctx;
  asio::ip::tcp::socket s(ctx);
  boost::system::error_code ec;
  s.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

class RedisServer {
 public:
  explicit RedisServer(unsigned short port) : port_(port) { start(); }
  ~RedisServer() { kill(); }

  void start() {
    std::string port = std::to_string(port_);
    const char* argv[] = {"redis-server", "--port", port.c_str(), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--loglevel", "warning", nullptr};
    ASSERT_EQ(posix_spawnp(&pid_, "redis-server", nullptr, nullptr, const_cast<char**>(argv), environ), 0)
        << "redis-server must be installed (scripts/install-deps.sh installs it)";
    for (int i = 0; i < 100 && !can_connect(port_); ++i) std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(can_connect(port_)) << "redis-server did not start";
  }
  void kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  unsigned short port() const { return port_; }

 private:
  unsigned short port_;
  pid_t pid_ = -1;
};

template <typename T>
T run(asio::io_context& ctx, asio::awaitable<T> task) {
  // The connection's read loop keeps the context busy, so run until this task is done.
  auto fut = asio::co_spawn(ctx, std::move(task), asio::use_future);
  ctx.restart();
  while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) ctx.run_one();
  return fut.get();
}

RedisEndpoint endpoint(unsigned short port) {
  RedisEndpoint e;
  e.port = port;
  e.reconnect_backoff = 100ms;
  e.command_timeout = 2s;  // the machine is shared; the point here is correctness, not speed
  return e;
}

TEST(RedisLimiter, AllowsBurstThenDenies) {
  RedisServer redis(free_port());
  asio::io_context ctx;
  RedisLimiter lim(ctx.get_executor(), endpoint(redis.port()), FailureMode::closed);
  BucketSpec spec{.tokens_per_second = 1, .burst = 3};
  for (int i = 0; i < 3; ++i) {
    auto d = run(ctx, lim.take("alice", spec));
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_FALSE(d.fallback);
  }
  auto denied = run(ctx, lim.take("alice", spec));
  EXPECT_FALSE(denied.allowed);
  EXPECT_FALSE(denied.fallback);
  EXPECT_GT(denied.retry_after, 900ms);
  EXPECT_LE(denied.retry_after, 1000ms);
  EXPECT_TRUE(run(ctx, lim.take("bob", spec)).allowed);
}

TEST(RedisLimiter, PipelinedConcurrentTakesSpendExactlyTheBudget) {
  RedisServer redis(free_port());
  asio::io_context ctx;
  RedisLimiter lim(ctx.get_executor(), endpoint(redis.port()), FailureMode::closed);
  BucketSpec spec{.tokens_per_second = 0.001, .burst = 50};
  int allowed = 0, fallbacks = 0, done = 0;
  for (int i = 0; i < 200; ++i) {
    asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
      auto d = co_await lim.take("shared", spec);
      allowed += d.allowed;
      fallbacks += d.fallback;
      if (++done == 200) lim.close();
    }, asio::detached);
  }
  ctx.run();
  EXPECT_EQ(fallbacks, 0);
  EXPECT_EQ(allowed, 50);
}

TEST(RedisLimiter, TwoReplicasShareOneBudget) {
  RedisServer redis(free_port());
  BucketSpec spec{.tokens_per_second = 0.001, .burst = 30};
  std::atomic<int> allowed{0};
  auto replica = [&] {
    asio::io_context ctx;
    RedisLimiter lim(ctx.get_executor(), endpoint(redis.port()), FailureMode::closed);
    int done = 0;
    for (int i = 0; i < 40; ++i)
      asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
        allowed += (co_await lim.take("tenant", spec)).allowed;
        if (++done == 40) lim.close();
      }, asio::detached);
    ctx.run();
  };
  std::thread a(replica), b(replica);
  a.join();
  b.join();
  EXPECT_EQ(allowed.load(), 30);
}

TEST(RedisLimiter, UnreachableRedisFollowsTheFailureMode) {
  auto port = free_port();  // nothing listens there
  asio::io_context ctx;
  RedisLimiter open(ctx.get_executor(), endpoint(port), FailureMode::open);
  RedisLimiter closed(ctx.get_executor(), endpoint(port), FailureMode::closed);
  BucketSpec spec{.tokens_per_second = 1, .burst = 1};
  auto started = std::chrono::steady_clock::now();
  auto a = run(ctx, open.take("k", spec));
  auto b = run(ctx, closed.take("k", spec));
  EXPECT_TRUE(a.allowed);
  EXPECT_TRUE(a.fallback);
  EXPECT_FALSE(b.allowed);
  EXPECT_TRUE(b.fallback);
  EXPECT_EQ(open.fallbacks(), 1u);
  // Refused connections fail fast; no call waits for a timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST(RedisLimiter, RecoversWhenRedisComesBack) {
  RedisServer redis(free_port());
  asio::io_context ctx;
  RedisLimiter lim(ctx.get_executor(), endpoint(redis.port()), FailureMode::closed);
  BucketSpec spec{.tokens_per_second = 100, .burst = 100};
  EXPECT_FALSE(run(ctx, lim.take("k", spec)).fallback);

  redis.kill();
  auto during = run(ctx, lim.take("k", spec));
  EXPECT_TRUE(during.fallback);
  EXPECT_FALSE(during.allowed);

  redis.start();
  bool recovered = false;
  for (int i = 0; i < 50 && !recovered; ++i) {
    std::this_thread::sleep_for(50ms);
    auto d = run(ctx, lim.take("k", spec));
    recovered = !d.fallback && d.allowed;
  }
  EXPECT_TRUE(recovered);
}

}  // namespace
}  // namespace gatehouse::ratelimit
