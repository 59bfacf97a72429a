#include "sdk/stdio_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>

#include <unistd.h>

#include <deque>

#include "core/log.hpp"

namespace gatehouse::sdk {

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxLine = 4 * 1024 * 1024;
constexpr std::size_t kMaxBatch = 256 * 1024;

// Queues whole lines and writes them in order with one writer coroutine, so concurrent
// handlers never interleave bytes on stdout.
class LineWriter : public Outbound, public std::enable_shared_from_this<LineWriter> {
 public:
  LineWriter(asio::any_io_executor ex, int fd) : out_(ex, ::dup(fd)), wake_(ex) {}

  void send(const json::object& message) override {
    queue_.push_back(json::serialize(message) + "\n");
    wake_.cancel();
  }

  asio::awaitable<void> run() {
    auto self = shared_from_this();
    for (;;) {
      while (!queue_.empty()) {
        // Everything queued goes out in one write: under load (a gateway multiplexing many
        // calls over this pipe) that is one syscall for many answers.
        std::string chunk = std::move(queue_.front());
        queue_.pop_front();
        while (!queue_.empty() && chunk.size() < kMaxBatch) {
          chunk += queue_.front();
          queue_.pop_front();
        }
        auto [ec, n] = co_await asio::async_write(out_, asio::buffer(chunk), kTuple);
        if (ec) co_return;
      }
      if (stopping_) co_return;
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(kTuple);
    }
  }

  void stop() {
    stopping_ = true;
    wake_.cancel();
  }

 private:
  asio::posix::stream_descriptor out_;
  asio::steady_timer wake_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
};

}  // namespace

asio::awaitable<void> serve_stdio(Server& server, int in_fd, int out_fd) {
  auto ex = co_await asio::this_coro::executor;
  asio::posix::stream_descriptor in(ex, ::dup(in_fd));
  auto writer = std::make_shared<LineWriter>(ex, out_fd);
  asio::co_spawn(ex, writer->run(), asio::detached);
  auto session = std::make_shared<Session>(ex, mcp::Era::session);
  session->general = writer;
  server.track(session);

  asio::streambuf buf(kMaxLine);
  for (;;) {
    auto [ec, n] = co_await asio::async_read_until(in, buf, '\n', kTuple);
    if (ec) break;  // end of input (or a line over the limit): the session is over
    std::string line(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n);
    buf.consume(n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.empty()) continue;
    auto msg = jsonrpc::parse(line);
    if (!msg.ok()) {
      writer->send(jsonrpc::error_response(nullptr, msg.error()));
      continue;
    }
    // Each request runs on its own so a slow tool never blocks pings or cancellations.
    asio::co_spawn(
        ex,
        [&server, session, writer, m = std::move(msg).value()]() mutable -> asio::awaitable<void> {
          auto reply = co_await server.handle(session, std::move(m), writer);
          if (reply) writer->send(*reply);
        },
        asio::detached);
  }
  session->close();
  writer->stop();
  log::info("sdk.stdio_closed");
}

}  // namespace gatehouse::sdk
