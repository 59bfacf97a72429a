#include "gateway/stdio_upstream.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <signal.h>

namespace gatehouse::gateway {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using namespace std::string_view_literals;

StdioSpec fixture(std::string name) {
  return StdioSpec{"node", {GATEHOUSE_SOURCE_DIR "/tests/gateway/fixtures/stdio-server.mjs", name}, {}};
}

// Built outside coroutines: g++ 12 rejects initializer lists inside them.
json::object call(json::value id, std::string_view tool, std::string_view args_json,
                  json::value token = nullptr) {
  json::object params{{"name", tool}, {"arguments", json::parse(args_json)}};
  if (!token.is_null()) params["_meta"] = json::object{{"progressToken", token}};
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", params}};
}

std::string str(const json::value& v) { return v.is_string() ? std::string(v.as_string()) : json::serialize(v); }

std::string text_of(const json::object& response) {
  return std::string(response.at("result").at("content").at(0).at("text").as_string());
}

// Runs `body` as a coroutine on a fresh io_context with a started fixture child.
template <typename F>
void with_child(std::string name, F body) {
  asio::io_context io;
  auto up = StdioUpstream::create(io.get_executor(), name, fixture(name));
  up->start();
  auto fut = asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    co_await body(*up);
    co_await up->stop(500ms);
  }, asio::use_future);
  io.run_for(20s);
  ASSERT_EQ(fut.wait_for(0s), std::future_status::ready) << "test body did not finish";
  fut.get();
}

json::object sampling_answer(json::value id) {
  auto m = json::parse(R"({"jsonrpc":"2.0","result":{"role":"assistant","content":{"type":"text","text":"answer"}}})").as_object();
  m["id"] = id;
  return m;
}

UpstreamCall quick() { UpstreamCall c; c.timeout = 5s; return c; }

TEST(StdioUpstream, InitializesOnceAndAnswersUnderTheClientsId) {
  with_child("alpha", [](StdioUpstream& up) -> asio::awaitable<void> {
    auto s = co_await up.request(quick(), call("abc", "echo", R"({"text":"hi"})"));
    EXPECT_TRUE(s.ok());
    if (!s.ok()) co_return;
    auto r = co_await read_response(**s);
    EXPECT_TRUE(r.ok());
    if (!r.ok()) co_return;
    EXPECT_EQ(str(r->at("id")), "abc"sv);
    EXPECT_EQ(text_of(*r), "alpha: hi"sv);
    auto init = up.cached_initialize();
    EXPECT_TRUE(init);
    if (init) { EXPECT_EQ(str(init->result.at("serverInfo").at("name")), "alpha"sv); }
  });
}

TEST(StdioUpstream, SameDownstreamIdsFromTwoClientsDoNotCollide) {
  with_child("beta", [](StdioUpstream& up) -> asio::awaitable<void> {
    auto slow = co_await up.request(quick(), call(1, "echo", R"({"text":"slow","slowMs":200})", 7));
    auto fast = co_await up.request(quick(), call(1, "echo", R"({"text":"fast","progress":1})", 7));
    EXPECT_TRUE(slow.ok() && fast.ok());
    if (!slow.ok() || !fast.ok()) co_return;
    // The fast one first gets its progress (token restored), then its own response.
    auto p = co_await (*fast)->next();
    EXPECT_TRUE(p.ok() && p->has_value());
    if (p.ok() && p->has_value()) {
      EXPECT_EQ(str((**p).at("method")), "notifications/progress"sv);
      EXPECT_EQ(str((**p).at("params").at("progressToken")), "7");
    }
    auto rf = co_await read_response(**fast);
    auto rs = co_await read_response(**slow);
    EXPECT_TRUE(rf.ok() && rs.ok());
    if (!rf.ok() || !rs.ok()) co_return;
    EXPECT_EQ(text_of(*rf), "beta: fast"sv);
    EXPECT_EQ(text_of(*rs), "beta: slow"sv);
    EXPECT_EQ(str(rf->at("id")), "1");
  });
}

TEST(StdioUpstream, ServerToClientRequestRoundTrip) {
  with_child("gamma", [](StdioUpstream& up) -> asio::awaitable<void> {
    auto s = co_await up.request(quick(), call("c1", "echo", R"({"sample":"question"})"));
    EXPECT_TRUE(s.ok());
    if (!s.ok()) co_return;
    auto req = co_await (*s)->next();
    EXPECT_TRUE(req.ok() && req->has_value());
    if (!req.ok() || !req->has_value()) co_return;
    EXPECT_EQ(str((**req).at("method")), "sampling/createMessage"sv);
    auto id = (**req).at("id");
    auto answer = sampling_answer(id);
    auto st = co_await up.send(quick(), std::move(answer));
    EXPECT_TRUE(st.ok());
    auto r = co_await read_response(**s);
    EXPECT_TRUE(r.ok());
    if (r.ok()) { EXPECT_EQ(text_of(*r), "sampled: answer"sv); }
  });
}

TEST(StdioUpstream, TimeoutIsAnError) {
  with_child("delta", [](StdioUpstream& up) -> asio::awaitable<void> {
    // The child starts and initializes first, under a generous deadline: on a loaded machine
    // that alone can take longer than the 150 ms the slow call is given below.
    auto warm = co_await up.request(quick(), call(0, "echo", R"({"text":"warm"})"));
    EXPECT_TRUE(warm.ok());
    if (!warm.ok()) co_return;
    EXPECT_TRUE((co_await read_response(**warm)).ok());
    UpstreamCall c;
    c.timeout = 150ms;
    auto s = co_await up.request(c, call(1, "echo", R"({"slowMs":1000})"));
    EXPECT_TRUE(s.ok());
    if (!s.ok()) co_return;
    auto r = co_await read_response(**s);
    EXPECT_FALSE(r.ok());
    if (!r.ok()) { EXPECT_EQ(r.error().code, Errc::timeout); }
  });
}

TEST(StdioUpstream, CrashFailsPendingThenRestarts) {
  with_child("eps", [](StdioUpstream& up) -> asio::awaitable<void> {
    auto warm = co_await up.request(quick(), call(1, "echo", "{}"));
    EXPECT_TRUE(warm.ok());
    if (warm.ok()) (void)co_await read_response(**warm);
    pid_t first = up.pid();
    auto s = co_await up.request(quick(), call(2, "crash", "{}"));
    EXPECT_TRUE(s.ok());
    if (!s.ok()) co_return;
    auto r = co_await read_response(**s);
    EXPECT_FALSE(r.ok());
    if (!r.ok()) { EXPECT_EQ(r.error().code, Errc::unavailable); }
    // The next request waits for the restart and succeeds on a new process.
    auto again = co_await up.request(quick(), call(3, "echo", R"({"text":"back"})"));
    EXPECT_TRUE(again.ok());
    if (!again.ok()) co_return;
    auto r2 = co_await read_response(**again);
    EXPECT_TRUE(r2.ok());
    if (r2.ok()) { EXPECT_EQ(text_of(*r2), "eps: back"sv); }
    EXPECT_NE(up.pid(), first);
  });
}

TEST(StdioUpstream, StopEndsTheChild) {
  pid_t pid = -1;
  with_child("zeta", [&pid](StdioUpstream& up) -> asio::awaitable<void> {
    auto s = co_await up.request(quick(), call(1, "echo", "{}"));
    EXPECT_TRUE(s.ok());
    if (s.ok()) (void)co_await read_response(**s);
    pid = up.pid();
  });
  ASSERT_GT(pid, 0);
  EXPECT_EQ(::kill(pid, 0), -1);  // gone (and reaped)
}

TEST(StdioUpstream, MissingCommandNeverBecomesReady) {
  asio::io_context io;
  auto up = StdioUpstream::create(io.get_executor(), "nope", StdioSpec{"/nonexistent/cmd", {}, {}});
  up->start();
  auto fut = asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    UpstreamCall c;
    c.timeout = 300ms;
    auto s = co_await up->request(c, call(1, "echo", "{}"));
    EXPECT_FALSE(s.ok());
    if (!s.ok()) { EXPECT_EQ(s.error().code, Errc::unavailable); }
    co_await up->stop(100ms);
  }, asio::use_future);
  io.run_for(5s);
  ASSERT_EQ(fut.wait_for(0s), std::future_status::ready);
}

}  // namespace
}  // namespace gatehouse::gateway
