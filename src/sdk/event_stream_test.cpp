// EventStream: the resumption ids a client sends back (untrusted), the plain-JSON shortcut,
// one reader at a time, and a waiter on one thread woken by an event pushed on another.
#include "sdk/event_stream.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace gatehouse::sdk {
namespace {

json::object msg(int n) { return json::object{{"jsonrpc", "2.0"}, {"method", "m"}, {"params", {{"n", n}}}}; }

TEST(EventStream, PositionAfterParsesOnlyItsOwnIds) {
  EventStream s("7", true, 10);
  s.prime();
  s.send(msg(1));
  s.send(msg(2));
  EXPECT_EQ(s.position_after("7_1"), 1u);
  EXPECT_EQ(s.position_after("7_3"), 3u);
  for (const char* bad : {"", "7", "7_", "7_0", "7_4", "7_x", "7_1x", "7_-1", "8_1", "_1", "71", "7__1",
                          "7_99999999999999999999999"}) {
    EXPECT_FALSE(s.position_after(bad).has_value()) << bad;
  }
}

TEST(EventStream, DroppedEventsCannotBeResumed) {
  EventStream s("1", true, 2);
  for (int i = 0; i < 5; ++i) s.send(msg(i));
  EXPECT_EQ(s.size(), 5u);
  EXPECT_FALSE(s.position_after("1_2").has_value());  // event 2 left the bounded log
  EXPECT_EQ(s.position_after("1_4"), 4u);
}

TEST(EventStream, SoleMessageOnlyForAFinishedSingleAnswer) {
  EventStream a("1", true);
  a.prime();
  EXPECT_FALSE(a.sole_message(1).has_value());  // not finished
  a.finish(msg(1));
  ASSERT_TRUE(a.sole_message(1).has_value());
  EXPECT_NE(a.sole_message(1)->find("\"n\":1"), std::string::npos);
  EXPECT_FALSE(a.sole_message(0).has_value());  // the prime counts

  EventStream b("1", true);
  b.prime();
  b.send(msg(1));  // a notification before the result: must stream
  b.finish(msg(2));
  EXPECT_FALSE(b.sole_message(1).has_value());

  EventStream c("m", false);
  c.finish(msg(3));
  EXPECT_TRUE(c.sole_message(0).has_value());
  c.send(msg(4));  // after finish: ignored
  EXPECT_EQ(c.size(), 1u);
}

TEST(EventStream, OneReaderAtATime) {
  EventStream s("1", true);
  EXPECT_TRUE(s.try_attach());
  EXPECT_FALSE(s.try_attach());
  s.detach();
  EXPECT_TRUE(s.try_attach());
}

TEST(EventStream, WaiterOnOneThreadWokenByAnotherThread) {
  auto s = std::make_shared<EventStream>("1", true);
  asio::io_context io;
  auto woke_after = std::chrono::hours(1);
  bool saw_event = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const auto t0 = std::chrono::steady_clock::now();
        co_await s->wait(0, std::chrono::seconds(10));
        woke_after = std::chrono::duration_cast<std::chrono::hours>(std::chrono::steady_clock::now() - t0);
        saw_event = s->size() == 1;
      },
      asio::detached);
  std::thread loop([&] { io.run(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  s->send(msg(1));  // this thread is not the waiter's
  loop.join();      // returns once the waiter finished
  EXPECT_TRUE(saw_event);
  EXPECT_EQ(woke_after.count(), 0);  // well before the 10 s timeout
}

TEST(EventStream, WaitReturnsAtOnceWhenSomethingIsThere) {
  EventStream s("1", true);
  s.close_stream();
  asio::io_context io;
  bool done = false;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    co_await s.wait(0, std::chrono::seconds(10));
    done = true;
  }, asio::detached);
  io.run_for(std::chrono::seconds(1));
  EXPECT_TRUE(done);
}

}  // namespace
}  // namespace gatehouse::sdk
