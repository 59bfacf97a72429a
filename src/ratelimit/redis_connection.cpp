#include "ratelimit/redis_connection.hpp"

#include <hiredis/hiredis.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <optional>

#include "core/log.hpp"

namespace gatehouse::ratelimit {

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

redisReader* as_reader(void* p) { return static_cast<redisReader*>(p); }

RedisReply convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER: out.kind = RedisReply::Kind::integer; out.integer = r->integer; break;
    case REDIS_REPLY_STRING: out.kind = RedisReply::Kind::string; out.text.assign(r->str, r->len); break;
    case REDIS_REPLY_STATUS: out.kind = RedisReply::Kind::status; out.text.assign(r->str, r->len); break;
    case REDIS_REPLY_ERROR: out.kind = RedisReply::Kind::error; out.text.assign(r->str, r->len); break;
    case REDIS_REPLY_ARRAY:
      out.kind = RedisReply::Kind::array;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default: out.kind = RedisReply::Kind::nil; break;
  }
  return out;
}
}  // namespace

// A one-shot completion: a timer that never expires is the wake-up signal, cancelled when the
// result is set (the usual Asio idiom for an awaitable event on one executor).
struct RedisConnection::Pending {
  explicit Pending(asio::any_io_executor ex) : signal(ex, std::chrono::steady_clock::time_point::max()) {}
  void complete(Result<RedisReply> r) {
    if (result) return;
    result.emplace(std::move(r));
    signal.cancel();
  }
  asio::awaitable<void> wait() {
    if (!result) co_await signal.async_wait(kTuple);
  }
  asio::steady_timer signal;
  std::optional<Result<RedisReply>> result;
};

std::shared_ptr<RedisConnection> RedisConnection::create(asio::any_io_executor ex, RedisEndpoint endpoint) {
  return std::shared_ptr<RedisConnection>(new RedisConnection(std::move(ex), std::move(endpoint)));
}

RedisConnection::RedisConnection(asio::any_io_executor ex, RedisEndpoint endpoint)
    : ex_(ex), endpoint_(std::move(endpoint)), socket_(ex), reader_(redisReaderCreate()) {}

RedisConnection::~RedisConnection() { redisReaderFree(as_reader(reader_)); }

void RedisConnection::drop(const std::string& why) {
  if (state_ != State::disconnected && why != "closed") {
    log::warn("redis.disconnected", {{"host", endpoint_.host}, {"port", endpoint_.port}, {"reason", why}});
  }
  ++generation_;
  state_ = State::disconnected;
  boost::system::error_code ec;
  socket_.close(ec);
  redisReaderFree(as_reader(reader_));
  reader_ = redisReaderCreate();
  outbox_.clear();
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& p : pending) p->complete(fail(Errc::unavailable, "redis connection lost: " + why, "redis.unavailable"));
}

asio::awaitable<Status> RedisConnection::ensure_connected() {
  if (state_ == State::connected) co_return Status{};
  if (state_ == State::connecting) {
    auto waiter = connect_waiters_;
    co_await waiter->wait();
    if (state_ == State::connected) co_return Status{};
    co_return fail(Errc::unavailable, "redis unreachable", "redis.unavailable");
  }
  auto now = std::chrono::steady_clock::now();
  if (now - last_attempt_ < endpoint_.reconnect_backoff) {
    co_return fail(Errc::unavailable, "redis unreachable (backing off)", "redis.unavailable");
  }
  last_attempt_ = now;
  state_ = State::connecting;
  connect_waiters_ = std::make_shared<Pending>(ex_);
  auto waiters = connect_waiters_;

  boost::system::error_code ec;
  auto address = asio::ip::make_address(endpoint_.host, ec);
  if (ec) {
    asio::ip::tcp::resolver resolver(ex_);
    auto [rerr, results] = co_await resolver.async_resolve(endpoint_.host, std::to_string(endpoint_.port), kTuple);
    if (rerr || results.empty()) {
      state_ = State::disconnected;
      waiters->complete(RedisReply{});
      co_return fail(Errc::unavailable, "cannot resolve redis host " + endpoint_.host, "redis.unavailable");
    }
    address = results.begin()->endpoint().address();
  }
  // The timer closes the socket if the connect takes too long, which completes the connect.
  asio::steady_timer timeout(ex_);
  timeout.expires_after(endpoint_.connect_timeout);
  timeout.async_wait([this, self = shared_from_this()](boost::system::error_code e) {
    if (!e && state_ == State::connecting) {
      boost::system::error_code ignored;
      socket_.close(ignored);
    }
  });
  auto [cerr] = co_await socket_.async_connect({address, endpoint_.port}, kTuple);
  timeout.cancel();
  if (cerr || !socket_.is_open()) {
    state_ = State::disconnected;
    boost::system::error_code ignored;
    socket_.close(ignored);
    waiters->complete(RedisReply{});
    co_return fail(Errc::unavailable, "cannot connect to redis " + endpoint_.host + ":" + std::to_string(endpoint_.port),
                   "redis.unavailable");
  }
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  state_ = State::connected;
  asio::co_spawn(ex_, read_loop(shared_from_this()), asio::detached);
  waiters->complete(RedisReply{});
  co_return Status{};
}

asio::awaitable<Result<RedisReply>> RedisConnection::command(std::vector<std::string> argv) {
  auto self = shared_from_this();
  auto status = co_await ensure_connected();
  if (!status) co_return status.propagate();

  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  char* formatted = nullptr;
  int len = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()), ptrs.data(), lens.data());
  if (len < 0) co_return fail(Errc::internal, "cannot format redis command");
  outbox_.append(formatted, static_cast<size_t>(len));
  redisFreeCommand(formatted);

  auto pending = std::make_shared<Pending>(ex_);
  pending_.push_back(pending);
  if (!writing_) asio::co_spawn(ex_, write_loop(self), asio::detached);

  // A late reply would be matched to the wrong caller, so a timeout drops the connection.
  asio::steady_timer deadline(ex_);
  deadline.expires_after(endpoint_.command_timeout);
  auto generation = generation_;
  deadline.async_wait([this, self, pending, generation](boost::system::error_code e) {
    if (e || pending->result) return;
    pending->complete(fail(Errc::timeout, "redis did not answer in time", "redis.timeout"));
    if (generation == generation_) drop("timeout");
  });
  co_await pending->wait();
  deadline.cancel();
  co_return std::move(*pending->result);
}

asio::awaitable<void> RedisConnection::write_loop(std::shared_ptr<RedisConnection> self) {
  writing_ = true;
  auto generation = generation_;
  while (!outbox_.empty() && generation == generation_) {
    std::string batch;
    batch.swap(outbox_);
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(batch), kTuple);
    if (ec) {
      if (generation == generation_) drop(ec.message());
      break;
    }
  }
  writing_ = false;
  // A drop during the write may have left new commands for a new connection's writer.
  if (!outbox_.empty() && state_ == State::connected) asio::co_spawn(ex_, write_loop(self), asio::detached);
}

asio::awaitable<void> RedisConnection::read_loop(std::shared_ptr<RedisConnection> self) {
  auto generation = generation_;
  char buf[16 * 1024];
  while (generation == generation_) {
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buf), kTuple);
    if (generation != generation_) co_return;
    if (ec) {
      drop(ec.message());
      co_return;
    }
    redisReaderFeed(as_reader(reader_), buf, n);
    while (true) {
      void* raw = nullptr;
      if (redisReaderGetReply(as_reader(reader_), &raw) != REDIS_OK) {
        drop("protocol error");
        co_return;
      }
      if (!raw) break;
      auto reply = convert(static_cast<redisReply*>(raw));
      freeReplyObject(raw);
      if (pending_.empty()) {
        drop("unexpected reply");
        co_return;
      }
      auto p = std::move(pending_.front());
      pending_.pop_front();
      p->complete(std::move(reply));
    }
  }
}

}  // namespace gatehouse::ratelimit
