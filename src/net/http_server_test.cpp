// HttpServer against a raw Asio/Beast client on loopback: framing, limits, deadlines,
// streaming, peer-close detection, handler mistakes, drain and threads.
#include "net/http_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace gatehouse::net {
namespace {

using namespace std::chrono_literals;
using boost::system::error_code;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// A blocking test client built on async operations, so a broken server fails a test
// (deadline) instead of hanging it.
class Client {
 public:
  explicit Client(unsigned short port, const char* host = "127.0.0.1") : socket_(io_) {
    error_code ec;
    socket_.connect({asio::ip::make_address(host), port}, ec);
    EXPECT_FALSE(ec) << ec.message();
  }

  void send(std::string data) {
    error_code ec;
    asio::write(socket_, asio::buffer(data), ec);
    EXPECT_FALSE(ec) << ec.message();
  }

  void send_quiet(std::string data, error_code& ec) { asio::write(socket_, asio::buffer(data), ec); }

  // Reads one response; nullopt on a closed connection or when nothing arrives in time.
  std::optional<Response> read(std::chrono::milliseconds deadline = 5s) {
    std::optional<Response> out;
    asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
      Response res;
      auto [ec, n] = co_await http::async_read(socket_, buffer_, res, kTuple);
      if (!ec) out = std::move(res);
    }, asio::detached);
    run(deadline);
    return out;
  }

  // Raw bytes as they arrive (at least one byte, or "" on close/deadline).
  std::string read_some(std::chrono::milliseconds deadline = 5s) {
    std::string out;
    if (buffer_.size() > 0) {
      out.assign(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      buffer_.consume(buffer_.size());
      return out;
    }
    asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
      char chunk[4096];
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(chunk), kTuple);
      if (!ec) out.assign(chunk, n);
    }, asio::detached);
    run(deadline);
    return out;
  }

  // True when the server closes the connection within the deadline (reads until EOF).
  bool closed_within(std::chrono::milliseconds deadline) {
    bool closed = false;
    asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
      char chunk[4096];
      for (;;) {
        auto [ec, n] = co_await socket_.async_read_some(asio::buffer(chunk), kTuple);
        if (ec) {
          closed = true;
          co_return;
        }
      }
    }, asio::detached);
    run(deadline);
    return closed;
  }

  void close() {
    error_code ec;
    socket_.close(ec);
  }

 private:
  void run(std::chrono::milliseconds deadline) {
    io_.restart();
    io_.run_for(deadline);
    if (!io_.stopped()) {  // deadline: cancel the read and finish it
      error_code ec;
      socket_.cancel(ec);
      io_.restart();
      io_.run();
    }
  }

  asio::io_context io_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

Response text(http::status status, std::string body) {
  Response res{status, 11};
  res.set(http::field::content_type, "text/plain");
  res.body() = std::move(body);
  return res;
}

asio::awaitable<void> sleep_for(asio::any_io_executor ex, std::chrono::milliseconds d) {
  asio::steady_timer t(ex, d);
  co_await t.async_wait(kTuple);
}

// Echoes method, target and body.
asio::awaitable<void> echo(Exchange& ex) {
  const auto& req = ex.request();
  co_await ex.respond(text(http::status::ok, std::string(req.method_string()) + " " + std::string(req.target()) +
                                                 " " + req.body()));
}

std::unique_ptr<HttpServer> start(Handler handler, ServerLimits limits = {}, int threads = 1,
                                  std::string address = "127.0.0.1") {
  HttpServer::Options options;
  options.listen.address = std::move(address);
  options.limits = limits;
  options.threads = threads;
  auto server = HttpServer::create(options, std::move(handler));
  EXPECT_TRUE(server.ok()) << (server.ok() ? "" : server.error().message);
  if (!server.ok()) return nullptr;
  (*server)->start();
  return std::move(*server);
}

const std::string kGet = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";

TEST(HttpServer, AnswersARequest) {
  auto server = start(echo);
  ASSERT_TRUE(server);
  EXPECT_NE(server->port(), 0);
  Client c(server->port());
  c.send("POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::ok);
  EXPECT_EQ(res->body(), "POST /mcp hello");
  EXPECT_EQ((*res)[http::field::content_length], "15");
}

TEST(HttpServer, KeepsAliveAndAnswersPipelinedRequestsInOrder) {
  auto server = start(echo);
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send(kGet);
  auto first = c.read();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->keep_alive());
  c.send("GET /two HTTP/1.1\r\nHost: x\r\n\r\nGET /three HTTP/1.1\r\nHost: x\r\n\r\n");
  auto second = c.read();
  auto third = c.read();
  ASSERT_TRUE(second && third);
  EXPECT_EQ(second->body(), "GET /two ");
  EXPECT_EQ(third->body(), "GET /three ");
  EXPECT_EQ(server->active_connections(), 1u);
}

TEST(HttpServer, KeepsARequestPipelinedWhileTheHandlerWorks) {
  std::atomic<int> peer_closed_seen{0};
  auto server = start([&](Exchange& ex) -> asio::awaitable<void> {
    co_await sleep_for(ex.executor(), 100ms);  // the next request arrives meanwhile
    if (ex.peer_closed()) ++peer_closed_seen;
    co_await echo(ex);
  });
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send("POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n1");
  std::this_thread::sleep_for(30ms);
  c.send("POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n222");
  auto first = c.read();
  auto second = c.read();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body(), "POST /one 1");
  EXPECT_EQ(second->body(), "POST /two 222");
  EXPECT_EQ(peer_closed_seen.load(), 0);  // early bytes are not a closed peer
}

TEST(HttpServer, ConnectionCloseIsHonoured) {
  auto server = start(echo);
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(c.closed_within(2s));
}

TEST(HttpServer, ChunkedRequestBodyIsRead) {
  auto server = start(echo);
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "POST /c abcde");
}

TEST(HttpServer, HeadGetsTheLengthButNoBody) {
  auto server = start(echo);
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string head;
  while (head.find("\r\n\r\n") == std::string::npos) {
    auto more = c.read_some(2s);
    ASSERT_FALSE(more.empty());
    head += more;
  }
  EXPECT_NE(head.find("Content-Length: 8"), std::string::npos);  // "HEAD /h "
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;
  c.send(kGet);  // the next response follows directly: nothing of a body came in between
  auto next = c.read_some(2s);
  EXPECT_TRUE(next.starts_with("HTTP/1.1 200")) << next;
}

TEST(HttpServer, AnswersExpectContinueBeforeTheBody) {
  auto server = start(echo);
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  auto interim = c.read_some(2s);
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  c.send("abc");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "POST /e abc");
}

TEST(HttpServer, RejectsBodyOverLimitFromContentLength) {
  std::atomic<int> calls{0};
  ServerLimits limits;
  limits.max_body_bytes = 1024;
  auto server = start([&](Exchange& ex) { ++calls; return echo(ex); }, limits);
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::payload_too_large);
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServer, RejectsChunkedBodyOverLimitWhileReading) {
  ServerLimits limits;
  limits.max_body_bytes = 1024;
  auto server = start(echo, limits);
  ASSERT_TRUE(server);
  Client c(server->port());
  std::string req = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) req += "200\r\n" + std::string(512, 'a') + "\r\n";
  c.send(req);
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::payload_too_large);
}

TEST(HttpServer, RejectsOversizedHeaderWith431) {
  ServerLimits limits;
  limits.max_header_bytes = 1024;
  auto server = start(echo, limits);
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'b') + "\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::request_header_fields_too_large);
  EXPECT_TRUE(c.closed_within(2s));
}

TEST(HttpServer, RejectsGarbageWith400) {
  auto server = start(echo);
  ASSERT_TRUE(server);
  for (std::string garbage : {"GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                              "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5x\r\n\r\n",
                              "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    Client c(server->port());
    c.send(garbage);
    auto res = c.read();
    ASSERT_TRUE(res) << garbage;
    EXPECT_EQ(res->result(), http::status::bad_request) << garbage;
    EXPECT_TRUE(c.closed_within(2s));
  }
}

TEST(HttpServer, HeaderTimeoutClosesTheConnection) {
  ServerLimits limits;
  limits.header_timeout = 200ms;
  auto server = start(echo, limits);
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\n");  // never finishes the header
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_within(3s));
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 2s);
}

TEST(HttpServer, HeaderTimeoutBoundsTheWholeHeaderNotEachRead) {
  ServerLimits limits;
  limits.header_timeout = 300ms;
  auto server = start(echo, limits);
  ASSERT_TRUE(server);
  Client c(server->port());
  // A slow client trickling bytes: each read is quick, the header never completes in time.
  const auto t0 = std::chrono::steady_clock::now();
  std::string partial = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  c.send(partial);
  bool refused = false;
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(50ms);
    boost::system::error_code ec;
    c.send_quiet("a", ec);
    if (ec) {
      refused = true;
      break;
    }
  }
  EXPECT_TRUE(refused || c.closed_within(1s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
}

TEST(HttpServer, BodyTimeoutClosesAStalledUpload) {
  ServerLimits limits;
  limits.body_timeout = 200ms;
  std::atomic<int> calls{0};
  auto server = start([&](Exchange& ex) { ++calls; return echo(ex); }, limits);
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServer, WriteTimeoutStopsAStreamToAClientThatDoesNotRead) {
  ServerLimits limits;
  limits.write_timeout = 200ms;
  std::atomic<int> result{-1};
  auto server = start([&](Exchange& ex) -> asio::awaitable<void> {
    co_await ex.begin_stream(ResponseHead{});
    const std::string big(1 << 20, 'x');
    int written = 0;
    while (written < 512 && co_await ex.write_chunk(big)) ++written;
    result = written;
    co_await ex.end_stream();
  }, limits);
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send(kGet);  // and never read
  for (int i = 0; i < 500 && result < 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_GE(result.load(), 0);
  EXPECT_LT(result.load(), 512);  // gave up long before the 512 MiB were out
}

TEST(HttpServer, IdleTimeoutClosesAKeptAliveConnection) {
  ServerLimits limits;
  limits.idle_timeout = 200ms;
  auto server = start(echo, limits);
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send(kGet);
  ASSERT_TRUE(c.read());
  EXPECT_TRUE(c.closed_within(3s));
}

TEST(HttpServer, StreamsChunksAsTheyAreWritten) {
  auto server = start([](Exchange& ex) -> asio::awaitable<void> {
    ResponseHead head;
    head.result(http::status::ok);
    head.set(http::field::content_type, "text/event-stream");
    co_await ex.begin_stream(std::move(head));
    co_await ex.write_chunk("data: one\n\n");
    co_await sleep_for(ex.executor(), 300ms);
    co_await ex.write_chunk("data: two\n\n");
    co_await ex.end_stream();
  });
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send(kGet);
  std::string seen;
  auto t0 = std::chrono::steady_clock::now();
  while (seen.find("data: one") == std::string::npos) {
    auto more = c.read_some(2s);
    ASSERT_FALSE(more.empty());
    seen += more;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 250ms);  // before the second chunk exists
  EXPECT_NE(seen.find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_EQ(seen.find("data: two"), std::string::npos);
  while (seen.find("0\r\n\r\n") == std::string::npos) {
    auto more = c.read_some(2s);
    ASSERT_FALSE(more.empty());
    seen += more;
  }
  EXPECT_NE(seen.find("data: two"), std::string::npos);
  // The connection stays usable after a stream.
  c.send(kGet);
  EXPECT_NE(c.read_some(2s), "");
}

TEST(HttpServer, WaitPeerClosedFiresWhenTheClientLeavesMidStream) {
  std::atomic<bool> fired{false};
  std::atomic<bool> write_after_close_failed{false};
  auto server = start([&](Exchange& ex) -> asio::awaitable<void> {
    co_await ex.begin_stream(ResponseHead{});
    co_await ex.write_chunk("data: hello\n\n");
    co_await ex.wait_peer_closed();
    fired = ex.peer_closed();
    write_after_close_failed = !co_await ex.write_chunk("data: late\n\n");
    co_await ex.end_stream();
  });
  ASSERT_TRUE(server);
  {
    Client c(server->port());
    c.send(kGet);
    EXPECT_NE(c.read_some(2s), "");
    c.close();
  }
  for (int i = 0; i < 200 && !fired; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(fired.load());
  EXPECT_TRUE(write_after_close_failed.load());
  for (int i = 0; i < 200 && server->active_connections() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(server->active_connections(), 0u);
}

TEST(HttpServer, HandlerThatDoesNotAnswerGets500) {
  auto server = start([](Exchange&) -> asio::awaitable<void> { co_return; });
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send(kGet);
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::internal_server_error);
}

TEST(HttpServer, HandlerThatThrowsGets500AndServerLives) {
  auto server = start([](Exchange& ex) -> asio::awaitable<void> {
    if (ex.request().target() == "/throw") throw std::runtime_error("boom");
    co_await echo(ex);
  });
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::internal_server_error);
  Client d(server->port());
  d.send(kGet);
  auto ok = d.read();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->result(), http::status::ok);
}

TEST(HttpServer, DrainLetsAnInFlightRequestFinish) {
  std::atomic<bool> started{false};
  auto server = start([&](Exchange& ex) -> asio::awaitable<void> {
    started = true;
    co_await sleep_for(ex.executor(), 300ms);
    co_await echo(ex);
  });
  ASSERT_TRUE(server);
  const auto port = server->port();
  Client idle(port);  // an idle keep-alive connection: closed at once by drain
  auto answer = std::async(std::launch::async, [port] {
    Client c(port);
    c.send(kGet);
    return c.read();
  });
  for (int i = 0; i < 200 && !started; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(started.load());
  auto t0 = std::chrono::steady_clock::now();
  server->drain(5s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  auto res = answer.get();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::ok);
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(idle.closed_within(1s));
  EXPECT_EQ(server->active_connections(), 0u);
  // No longer accepting.
  asio::io_context io;
  tcp::socket s(io);
  error_code ec;
  s.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  EXPECT_TRUE(ec);
}

TEST(HttpServer, DrainClosesWhatOutlivesTheGrace) {
  auto server = start([&](Exchange& ex) -> asio::awaitable<void> {
    co_await ex.begin_stream(ResponseHead{});
    co_await ex.wait_peer_closed();
  });
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send(kGet);
  EXPECT_NE(c.read_some(2s), "");
  auto t0 = std::chrono::steady_clock::now();
  server->drain(200ms);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 2s);
  EXPECT_TRUE(c.closed_within(1s));
}

TEST(HttpServer, SeveralThreadsShareThePort) {
  std::mutex m;
  std::set<std::thread::id> threads;
  auto server = start([&](Exchange& ex) -> asio::awaitable<void> {
    {
      std::lock_guard lock(m);
      threads.insert(std::this_thread::get_id());
    }
    co_await echo(ex);
  }, {}, 2);
  ASSERT_TRUE(server);
  for (int i = 0; i < 40; ++i) {
    Client c(server->port());
    c.send(kGet);
    auto res = c.read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::ok);
  }
  // The kernel spreads connections over the two acceptors.
  EXPECT_EQ(threads.size(), 2u);
  server->stop();
}

TEST(HttpServer, ListensOnIpv6Loopback) {
  {
    asio::io_context io;
    tcp::acceptor probe(io);
    error_code ec;
    probe.open(tcp::v6(), ec);
    if (!ec) probe.bind({asio::ip::make_address("::1"), 0}, ec);
    if (ec) GTEST_SKIP() << "no IPv6 loopback here: " << ec.message();
  }
  auto server = start(echo, {}, 1, "::1");
  ASSERT_TRUE(server);
  Client c(server->port(), "::1");
  c.send(kGet);
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::ok);
}

TEST(HttpServer, RejectsANonLiteralAddressAndABusyPort) {
  HttpServer::Options options;
  options.listen.address = "example.com";
  auto bad = HttpServer::create(options, echo);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_config);

  auto first = start(echo);
  ASSERT_TRUE(first);
  options.listen.address = "127.0.0.1";
  options.listen.port = first->port();
  auto busy = HttpServer::create(options, echo);
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code, Errc::unavailable);
}

TEST(HttpServer, RunsOnACallerOwnedIoContext) {
  asio::io_context io;
  HttpServer::Options options;
  auto server = HttpServer::create_on(io, options, echo);
  ASSERT_TRUE(server.ok());
  std::thread loop([&] { io.run(); });
  {
    Client c((*server)->port());
    c.send(kGet);
    auto res = c.read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::ok);
  }
  (*server)->stop();
  loop.join();  // run() returns: stop() left the context without work
  server->reset();
}

}  // namespace
}  // namespace gatehouse::net
