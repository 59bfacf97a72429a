#include "examples/echo/delayed_list.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>

namespace gatehouse::echo {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

TEST(EchoDelay, RecognisesToolsListRequestsOnly) {
  EXPECT_TRUE(is_tools_list(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}})"));
  EXPECT_TRUE(is_tools_list(R"({"method":"tools/list","id":"a"})"));
  EXPECT_FALSE(is_tools_list(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}})"));
  EXPECT_FALSE(is_tools_list(R"({"jsonrpc":"2.0","method":"tools/list"})"));  // a notification: no answer to delay
  EXPECT_FALSE(is_tools_list(R"([{"jsonrpc":"2.0","id":1,"method":"tools/list"}])"));
  EXPECT_FALSE(is_tools_list(R"({"jsonrpc":"2.0","id":1,"method":7})"));
  EXPECT_FALSE(is_tools_list(R"({"jsonrpc":"2.0","id":1,"method":"tools/list")"));
  EXPECT_FALSE(is_tools_list(""));
  EXPECT_FALSE(is_tools_list("tools/list"));
}

// An Exchange that only records when the inner handler ran.
class FakeExchange : public net::Exchange {
 public:
  FakeExchange(asio::io_context& io, std::string body) : ex_(io.get_executor()) {
    req_.method(http::verb::post);
    req_.body() = std::move(body);
  }
  const net::Request& request() const override { return req_; }
  const asio::ip::tcp::endpoint& remote() const override { return remote_; }
  asio::any_io_executor executor() const override { return ex_; }
  asio::awaitable<bool> respond(net::Response) override { co_return true; }
  asio::awaitable<bool> begin_stream(net::ResponseHead) override { co_return true; }
  asio::awaitable<bool> write_chunk(std::string_view) override { co_return true; }
  asio::awaitable<void> end_stream() override { co_return; }
  asio::awaitable<void> wait_peer_closed() override { co_return; }
  bool peer_closed() const override { return false; }

 private:
  asio::any_io_executor ex_;
  net::Request req_;
  asio::ip::tcp::endpoint remote_;
};

// Runs two exchanges at once through the wrapper; returns when each reached the inner handler.
std::pair<Clock::duration, Clock::duration> run_both(const char* first, const char* second) {
  asio::io_context io;
  Clock::time_point reached[2];
  int next = 0;
  auto handler = delay_tools_list(
      [&](net::Exchange& ex) -> asio::awaitable<void> {
        reached[ex.request().body() == first ? 0 : 1] = Clock::now();
        ++next;
        co_return;
      },
      std::chrono::milliseconds(50));
  FakeExchange a(io, first), b(io, second);
  auto t0 = Clock::now();
  asio::co_spawn(io, handler(a), asio::detached);
  asio::co_spawn(io, handler(b), asio::detached);
  io.run();
  EXPECT_EQ(next, 2);
  return {reached[0] - t0, reached[1] - t0};
}

TEST(EchoDelay, DelaysToolsListWithoutBlockingTheLoop) {
  auto [list, call] = run_both(R"({"id":1,"method":"tools/list"})", R"({"id":2,"method":"tools/call"})");
  EXPECT_GE(list, std::chrono::milliseconds(50));
  // The call on the same one-thread loop was not held behind the list's wait.
  EXPECT_LT(call, std::chrono::milliseconds(45));
}

TEST(EchoDelay, ConcurrentListsWaitInParallel) {
  auto [a, b] = run_both(R"({"id":1,"method":"tools/list"})", R"({"id":2,"method":"tools/list"})");
  EXPECT_GE(a, std::chrono::milliseconds(50));
  EXPECT_GE(b, std::chrono::milliseconds(50));
  EXPECT_LT(std::max(a, b), std::chrono::milliseconds(95));  // not one after the other (100 ms)
}

}  // namespace
}  // namespace gatehouse::echo
