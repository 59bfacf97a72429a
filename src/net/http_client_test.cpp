// HttpClient against HttpServer on loopback: reuse, stale pooled connections, deadlines,
// refused connections, incremental streamed bodies and cancellation.
#include "net/http_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <thread>

namespace gatehouse::net {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Runs one coroutine on `io` to completion (bounded, so a bug fails instead of hanging).
template <typename T>
T run(asio::io_context& io, asio::awaitable<T> work) {
  std::optional<T> out;
  asio::co_spawn(io, [&, work = std::move(work)]() mutable -> asio::awaitable<void> {
    out.emplace(co_await std::move(work));
  }, [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.restart();
  io.run_for(10s);
  EXPECT_TRUE(out.has_value()) << "coroutine did not finish";
  if (!out) std::abort();
  return std::move(*out);
}

asio::awaitable<void> sleep_for(asio::any_io_executor ex, std::chrono::milliseconds d) {
  asio::steady_timer t(ex, d);
  co_await t.async_wait(kTuple);
}

Response ok_text(std::string body) {
  Response res{http::status::ok, 11};
  res.set(http::field::content_type, "text/plain");
  res.body() = std::move(body);
  return res;
}

Request get(std::string target) { return Request{http::verb::get, target, 11}; }

struct Fixture {
  explicit Fixture(Handler handler, ServerLimits limits = {}) {
    HttpServer::Options options;
    options.limits = limits;
    auto created = HttpServer::create(options, std::move(handler));
    EXPECT_TRUE(created.ok());
    server = std::move(*created);
    server->start();
    endpoint = Endpoint{"127.0.0.1", server->port()};
  }
  std::unique_ptr<HttpServer> server;
  Endpoint endpoint;
};

asio::awaitable<void> echo(Exchange& ex) {
  co_await ex.respond(ok_text(std::string(ex.request().target()) + "|" + ex.request().body()));
}

TEST(HttpClient, ReusesAKeptAliveConnection) {
  Fixture f(echo);
  asio::io_context io;
  HttpClient client(io.get_executor());
  for (int i = 0; i < 3; ++i) {
    Request req{http::verb::post, "/n" + std::to_string(i), 11};
    req.body() = "body";
    auto res = run(io, client.request(f.endpoint, std::move(req)));
    ASSERT_TRUE(res.ok()) << res.error().message;
    EXPECT_EQ(res->body(), "/n" + std::to_string(i) + "|body");
  }
  EXPECT_EQ(client.connections_opened(), 1u);
  EXPECT_EQ(client.idle_connections(), 1u);
}

TEST(HttpClient, ReplacesAPooledConnectionTheServerClosed) {
  ServerLimits limits;
  limits.idle_timeout = 100ms;
  Fixture f(echo, limits);
  asio::io_context io;
  HttpClient client(io.get_executor());
  ASSERT_TRUE(run(io, client.request(f.endpoint, get("/a"))).ok());
  std::this_thread::sleep_for(300ms);  // the server drops the idle connection
  auto res = run(io, client.request(f.endpoint, get("/b")));
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->body(), "/b|");
  EXPECT_EQ(client.connections_opened(), 2u);
}

TEST(HttpClient, DropsExpiredIdleConnectionsAndCapsThePool) {
  Fixture f(echo);
  asio::io_context io;
  ClientOptions options;
  options.idle_expiry = 50ms;
  HttpClient client(io.get_executor(), options);
  ASSERT_TRUE(run(io, client.request(f.endpoint, get("/a"))).ok());
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(run(io, client.request(f.endpoint, get("/b"))).ok());
  EXPECT_EQ(client.connections_opened(), 2u);

  ClientOptions none;
  none.max_idle_per_host = 0;
  HttpClient unpooled(io.get_executor(), none);
  ASSERT_TRUE(run(io, unpooled.request(f.endpoint, get("/c"))).ok());
  EXPECT_EQ(unpooled.idle_connections(), 0u);
}

TEST(HttpClient, TimesOutASlowServer) {
  Fixture f([](Exchange& ex) -> asio::awaitable<void> {
    co_await sleep_for(ex.executor(), 1500ms);
    co_await echo(ex);
  });
  asio::io_context io;
  HttpClient client(io.get_executor());
  const auto t0 = Clock::now();
  auto res = run(io, client.request(f.endpoint, get("/slow"), 200ms));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, Errc::timeout);
  EXPECT_LT(Clock::now() - t0, 1s);
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST(HttpClient, RefusedConnectionIsUnavailable) {
  unsigned short port;
  {
    asio::io_context probe;
    asio::ip::tcp::acceptor a(probe, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  asio::io_context io;
  HttpClient client(io.get_executor());
  auto res = run(io, client.request(Endpoint{"127.0.0.1", port}, get("/")));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, Errc::unavailable);
}

TEST(HttpClient, OversizedResponseIsRefused) {
  Fixture f([](Exchange& ex) -> asio::awaitable<void> { co_await ex.respond(ok_text(std::string(10000, 'x'))); });
  asio::io_context io;
  ClientOptions options;
  options.max_body_bytes = 1000;
  HttpClient client(io.get_executor(), options);
  auto res = run(io, client.request(f.endpoint, get("/")));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, Errc::unavailable);
  EXPECT_EQ(res.error().reason, "http.response_too_large");
}

TEST(HttpClient, StreamsABodyAsItArrives) {
  Fixture f([](Exchange& ex) -> asio::awaitable<void> {
    ResponseHead head;
    head.set(http::field::content_type, "text/event-stream");
    co_await ex.begin_stream(std::move(head));
    co_await ex.write_chunk("data: one\n\n");
    co_await sleep_for(ex.executor(), 300ms);
    co_await ex.write_chunk("data: two\n\n");
    co_await ex.end_stream();
  });
  asio::io_context io;
  HttpClient client(io.get_executor());
  auto opened = run(io, client.stream(f.endpoint, get("/sse")));
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto stream = std::move(*opened);
  EXPECT_EQ(stream->head().result(), http::status::ok);
  EXPECT_EQ(stream->head()[http::field::content_type], "text/event-stream");

  const auto t0 = Clock::now();
  auto first = run(io, stream->read_some());
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, "data: one\n\n");
  EXPECT_LT(Clock::now() - t0, 250ms);  // handed over before the second chunk exists

  std::string rest;
  for (;;) {
    auto piece = run(io, stream->read_some(2000ms));
    ASSERT_TRUE(piece.ok()) << piece.error().message;
    if (piece->empty()) break;
    rest += *piece;
  }
  EXPECT_EQ(rest, "data: two\n\n");
  EXPECT_TRUE(stream->done());
  EXPECT_EQ(client.idle_connections(), 1u);  // read to the end: back in the pool
  auto again = run(io, client.request(f.endpoint, get("/after")));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(client.connections_opened(), 1u);
}

TEST(HttpClient, StreamIdleTimeoutAndCancelReachTheServer) {
  std::atomic<bool> server_saw_close{false};
  Fixture f([&](Exchange& ex) -> asio::awaitable<void> {
    co_await ex.begin_stream(ResponseHead{});
    co_await ex.write_chunk("data: hi\n\n");
    co_await ex.wait_peer_closed();
    server_saw_close = ex.peer_closed();
  });
  asio::io_context io;
  HttpClient client(io.get_executor());
  auto opened = run(io, client.stream(f.endpoint, get("/sse")));
  ASSERT_TRUE(opened.ok());
  auto stream = std::move(*opened);
  ASSERT_TRUE(run(io, stream->read_some()).ok());
  auto quiet = run(io, stream->read_some(100ms));
  ASSERT_FALSE(quiet.ok());
  EXPECT_EQ(quiet.error().code, Errc::timeout);

  auto opened2 = run(io, client.stream(f.endpoint, get("/sse")));
  ASSERT_TRUE(opened2.ok());
  auto stream2 = std::move(*opened2);
  ASSERT_TRUE(run(io, stream2->read_some()).ok());
  // Cancel while a read is pending.
  auto pending = [&]() -> asio::awaitable<bool> {
    asio::steady_timer t(io, 50ms);
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      co_await t.async_wait(kTuple);
      stream2->cancel();
    }, asio::detached);
    auto r = co_await stream2->read_some();
    co_return r.ok();
  };
  EXPECT_FALSE(run(io, pending()));
  for (int i = 0; i < 200 && !server_saw_close; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(server_saw_close.load());
  EXPECT_EQ(client.idle_connections(), 0u);
}

// The relay races an upstream read against the downstream client leaving (awaitable
// operators / parallel groups); the losing operation must give up when cancelled.
TEST(HttpClient, StreamReadAndPeerWaitObeyCancellationFromAwaitableOperators) {
  using namespace asio::experimental::awaitable_operators;
  std::atomic<int> server_side{-1};
  Fixture f([&](Exchange& ex) -> asio::awaitable<void> {
    co_await ex.begin_stream(ResponseHead{});
    co_await ex.write_chunk("data: hi\n\n");
    asio::steady_timer t(ex.executor(), 100ms);
    auto winner = co_await (ex.wait_peer_closed() || t.async_wait(asio::use_awaitable));
    server_side = static_cast<int>(winner.index());  // 1: the timer won, the wait was cancelled
    co_await ex.write_chunk("data: bye\n\n");
    co_await ex.end_stream();
  });
  asio::io_context io;
  HttpClient client(io.get_executor());
  auto opened = run(io, client.stream(f.endpoint, get("/sse")));
  ASSERT_TRUE(opened.ok());
  auto stream = std::move(*opened);
  ASSERT_TRUE(run(io, stream->read_some()).ok());
  auto race = [&]() -> asio::awaitable<int> {
    asio::steady_timer t(io, 30ms);
    auto winner = co_await (stream->read_some() || t.async_wait(asio::use_awaitable));
    co_return static_cast<int>(winner.index());
  };
  const auto t0 = Clock::now();
  EXPECT_EQ(run(io, race()), 1);  // the timer won: the pending read was cancelled
  EXPECT_LT(Clock::now() - t0, 90ms);
  // The stream survived the cancelled read: the server's own race ends by its timer (the
  // client did not leave) and what it sends next still arrives.
  std::string rest;
  for (;;) {
    auto piece = run(io, stream->read_some(2000ms));
    ASSERT_TRUE(piece.ok()) << piece.error().message;
    if (piece->empty()) break;
    rest += *piece;
  }
  EXPECT_EQ(rest, "data: bye\n\n");
  EXPECT_EQ(server_side.load(), 1);
}

TEST(HttpClient, ParsesHttpUrls) {
  auto a = parse_http_url("http://127.0.0.1:8080/mcp?x=1");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->endpoint, (Endpoint{"127.0.0.1", 8080}));
  EXPECT_EQ(a->target, "/mcp?x=1");
  auto b = parse_http_url("http://[::1]:9000");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->endpoint, (Endpoint{"::1", 9000}));
  EXPECT_EQ(b->target, "/");
  auto c = parse_http_url("http://example.com/a");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->endpoint.port, 80);
  auto d = parse_http_url("http://h:65535");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->endpoint.port, 65535);
  for (std::string_view bad : {"https://x/", "ftp://x/", "not a url", "http:///path", "http://x:0/", "http://x:99999/"}) {
    auto r = parse_http_url(bad);
    EXPECT_FALSE(r.ok()) << bad << " -> " << (r.ok() ? r->endpoint.host + ":" + std::to_string(r->endpoint.port) : "");
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, Errc::invalid_config);
    }
  }
}

}  // namespace
}  // namespace gatehouse::net
