// Streamable HTTP targets through the front end: the TypeScript reference server
// (tests/lib/reference-server.mjs, the official SDK's server) as an HTTP target beside a
// stdio fixture, driven through a fake exchange.
#include "gateway/http_upstream.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "gateway/front_end.hpp"
#include "gateway/relay.hpp"

namespace gatehouse::gateway {
namespace {
namespace json = boost::json;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

// `node reference-server.mjs --tools NAME --http 127.0.0.1:0`; the port is read from its
// "listening on" line. Killed when the test ends.
class ReferenceServer {
 public:
  explicit ReferenceServer(const char* tools) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 2);
      ::close(fds[0]);
      ::execlp("node", "node", GATEHOUSE_SOURCE_DIR "/tests/lib/reference-server.mjs", "--tools", tools, "--http",
               "127.0.0.1:0", nullptr);
      ::_exit(127);
    }
    ::close(fds[1]);
    std::string out;
    char buf[256];
    while (out.find('\n') == std::string::npos) {
      auto n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    auto colon = out.rfind(':');
    if (out.starts_with("listening on") && colon != std::string::npos) port_ = std::stoi(out.substr(colon + 1));
  }
  ~ReferenceServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

class Capture final : public net::Exchange {
 public:
  Capture(asio::any_io_executor ex, net::Request req) : ex_(ex), req_(std::move(req)) {}
  const net::Request& request() const override { return req_; }
  const asio::ip::tcp::endpoint& remote() const override { return remote_; }
  asio::any_io_executor executor() const override { return ex_; }
  asio::awaitable<bool> respond(net::Response r) override {
    status = r.result_int();
    if (auto it = r.find("Mcp-Session-Id"); it != r.end()) session = it->value();
    body = r.body();
    co_return true;
  }
  asio::awaitable<bool> begin_stream(net::ResponseHead h) override {
    status = h.result_int();
    co_return true;
  }
  // A chunk holds one or more events (the relay writes events that came together at once).
  asio::awaitable<bool> write_chunk(std::string_view data) override {
    while (!data.empty()) {
      const auto end = data.find("\n\n");
      std::string_view event = data.substr(0, end);
      data = end == std::string_view::npos ? std::string_view() : data.substr(end + 2);
      auto pos = event.find("data: ");
      if (pos == std::string_view::npos) continue;
      auto payload = event.substr(pos + 6);
      if (payload.find_first_not_of(" \n") == std::string_view::npos) {
        ++priming_events;  // an id and no message (SEP-1699), passed on from the target
        continue;
      }
      events.push_back(json::parse(payload).as_object());
    }
    co_return true;
  }
  asio::awaitable<void> end_stream() override { co_return; }
  asio::awaitable<void> wait_peer_closed() override { co_return; }
  bool peer_closed() const override { return false; }

  json::object json_body() const { return json::parse(body).as_object(); }
  int priming_events = 0;
  // The final response, whether it came as JSON or as the last SSE event.
  json::object answer() const { return events.empty() ? json_body() : events.back(); }

  unsigned status = 0;
  std::string session, body;
  std::vector<json::object> events;

 private:
  asio::any_io_executor ex_;
  net::Request req_;
  asio::ip::tcp::endpoint remote_;
};

net::Request post(std::string body, std::string session = {}) {
  net::Request req{http::verb::post, "/mcp", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "application/json, text/event-stream");
  if (!session.empty()) req.set("Mcp-Session-Id", session);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

TEST(HttpUpstream, BadUrlsHaveNoTransport) {
  asio::io_context io;
  EXPECT_EQ(make_http_upstream(io.get_executor(), "x", HttpTarget{"not a url", {}}), nullptr);
  EXPECT_EQ(make_http_upstream(io.get_executor(), "x", HttpTarget{"ftp://127.0.0.1/mcp", {}}), nullptr);
  EXPECT_NE(make_http_upstream(io.get_executor(), "x", HttpTarget{"http://[::1]:9/mcp", {}}), nullptr);
}

// A listener that never accepts, its backlog filled: further connects hang (Linux drops
// the SYNs), like a blackholed host, but on loopback.
class BlackholeListener {
 public:
  BlackholeListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd_, 0) != 0) return;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    for (int i = 0; i < 4; ++i) {  // fill the accept queue
      int c = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      (void)::connect(c, reinterpret_cast<sockaddr*>(&a), len);
      fillers_.push_back(c);
    }
    ::usleep(100'000);
  }
  ~BlackholeListener() {
    for (int c : fillers_) ::close(c);
    if (fd_ >= 0) ::close(fd_);
  }
  unsigned short port() const { return port_; }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
  std::vector<int> fillers_;
};

// A target that answers one POST with a chunked SSE body: retry, a priming event (SEP-1699)
// and the response, as separate chunks written at once, or the response after a pause.
void sse_target(int listener, bool pause_before_response) {
  int c = ::accept(listener, nullptr, nullptr);
  if (c < 0) return;
  char buf[4096];
  std::string in;
  while (in.find("\r\n\r\n") == std::string::npos || in.find("tools/call\"}") == std::string::npos) {
    auto n = ::read(c, buf, sizeof buf);
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  auto chunk = [](std::string_view d) {
    char len[16];
    std::snprintf(len, sizeof len, "%zx\r\n", d.size());
    return std::string(len) + std::string(d) + "\r\n";
  };
  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
      chunk("retry: 1000\n\n") + chunk("id: 1_1\ndata: \n\n");
  std::string rest = chunk("id: 1_2\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n") + "0\r\n\r\n";
  if (!pause_before_response) head += rest;
  (void)!::write(c, head.data(), head.size());
  if (pause_before_response) {
    std::this_thread::sleep_for(200ms);
    (void)!::write(c, rest.data(), rest.size());
  }
  std::this_thread::sleep_for(100ms);
  ::close(c);
}

// The first message the relay gets for a tools/call answered over SSE with a priming event.
json::object first_message(bool pause_before_response) {
  int l = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::listen(l, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len);
  std::thread target(sse_target, l, pause_before_response);
  asio::io_context io;
  auto up = make_http_upstream(io.get_executor(), "t", HttpTarget{"http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/mcp", {}});
  UpstreamCall call;
  call.timeout = 5s;
  call.relay_priming = true;
  json::object out{{"none", true}};
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        json::object message{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/call"}};
        auto s = co_await up->request(call, std::move(message));
        if (!s.ok()) co_return;
        auto m = co_await (*s)->next();
        if (m.ok() && m->has_value()) out = **m;
      },
      asio::detached);
  io.run();
  target.join();
  ::close(l);
  return out;
}

TEST(HttpUpstream, PrimingEventWithItsResponseInOneReadIsDropped) {
  // The answer is complete: nothing to resume, so the relay can answer with plain JSON.
  auto m = first_message(false);
  EXPECT_TRUE(m.contains("result")) << json::serialize(m);
}

TEST(HttpUpstream, PrimingEventBeforeALateResponseIsRelayed) {
  // The response is not there yet: the client gets the priming event (its resume position).
  auto m = first_message(true);
  EXPECT_TRUE(m.empty()) << json::serialize(m);
}

TEST(HttpUpstream, ConnectTimeoutIsShorterThanTheCallTimeout) {
  BlackholeListener hole;
  ASSERT_NE(hole.port(), 0);
  asio::io_context io;
  HttpTarget spec{"http://127.0.0.1:" + std::to_string(hole.port()) + "/mcp", {}};
  spec.connect_timeout = 300ms;
  auto up = make_http_upstream(io.get_executor(), "slow", spec);
  ASSERT_NE(up, nullptr);
  UpstreamCall call;
  call.timeout = 10s;
  json::object list{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}};
  std::optional<Error> error;
  bool answered = false;
  const auto start = std::chrono::steady_clock::now();
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto r = co_await up->request(call, std::move(list));
        answered = r.ok();
        if (!r.ok()) error = r.error();
      },
      asio::detached);
  io.run();
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(answered);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->reason, "upstream.connect_timeout") << error->message;
  EXPECT_LT(took, 5s) << "the connect timeout, not the call's 10 s, decided";
}

TEST(HttpUpstream, ReferenceServerBesideAStdioChild) {
  ReferenceServer server("everything");
  ASSERT_NE(server.port(), 0) << "reference server did not start";
  auto snap = std::make_shared<GatewaySnapshot>();
  RouteSpec route;
  TargetSpec ref;
  ref.name = "ref";
  ref.transport = HttpTarget{"http://127.0.0.1:" + std::to_string(server.port()) + "/mcp", {{"X-Team", "a"}}};
  ref.timeout = 5s;
  TargetSpec child;
  child.name = "alpha";
  child.transport = StdioSpec{"node", {GATEHOUSE_SOURCE_DIR "/tests/gateway/fixtures/stdio-server.mjs", "alpha"}, {}};
  child.timeout = 5s;
  TargetSpec down;
  down.name = "down";
  down.transport = HttpTarget{"http://127.0.0.1:1/mcp", {}};
  down.timeout = 1s;
  route.targets = {ref, child, down};
  snap->routes.push_back(route);

  asio::io_context io;
  auto codec = std::make_shared<SessionCodec>(SessionCodec::create("k"));
  auto pools = std::make_shared<UpstreamPools>();
  FrontEnd front(codec, pools, "test");
  front.update(snap);
  auto send = [&](net::Request req) -> asio::awaitable<std::unique_ptr<Capture>> {
    auto c = std::make_unique<Capture>(io.get_executor(), std::move(req));
    co_await front.handle(*c);
    co_return c;
  };
  auto body = [&]() -> asio::awaitable<void> {
    auto init = co_await send(post(
        R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"sampling":{}},"clientInfo":{"name":"t","version":"1"}}})"));
    EXPECT_EQ(init->status, 200u) << init->body;
    auto state = codec->unseal(init->session, unix_now());
    EXPECT_TRUE(state.ok());
    if (!state.ok()) co_return;
    EXPECT_EQ(state->targets.size(), 2u);  // "down" is left out (failure: open)
    if (state->targets.size() != 2) co_return;
    EXPECT_EQ(state->targets[0].target, "ref");
    EXPECT_FALSE(state->targets[0].upstream_session_id.empty());
    (void)co_await send(post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", init->session));

    auto list = co_await send(post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", init->session));
    auto listed = list->answer();
    bool has_echo = false, has_alpha = false;
    for (auto& t : listed.at("result").at("tools").as_array()) {
      has_echo |= t.at("name").as_string() == "ref_echo";
      has_alpha |= t.at("name").as_string() == "alpha_echo";
    }
    EXPECT_TRUE(has_echo && has_alpha) << list->body;

    auto call = co_await send(post(
        R"({"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"ref_echo","arguments":{"text":"over http"}}})",
        init->session));
    auto answer = call->answer();
    EXPECT_EQ(answer.at("id").as_string(), "c1");
    EXPECT_EQ(answer.at("result").at("content").at(0).at("text").as_string(), "over http");

    // Progress notifications stream through before the result.
    auto progress = co_await send(post(
        R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"ref_test_tool_with_progress","arguments":{},"_meta":{"progressToken":"p1"}}})",
        init->session));
    EXPECT_GE(progress->events.size(), 2u);
    if (!progress->events.empty()) {
      EXPECT_EQ(progress->events.front().at("method").as_string(), "notifications/progress");
      EXPECT_EQ(progress->events.front().at("params").at("progressToken").as_string(), "p1");
      EXPECT_TRUE(progress->events.back().contains("result"));
    }

    net::Request del{http::verb::delete_, "/mcp", 11};
    del.set(http::field::host, "127.0.0.1");
    del.set("Mcp-Session-Id", init->session);
    EXPECT_EQ((co_await send(del))->status, 200u);
    // The upstream session is gone: the target answers 404, so the gateway does too.
    auto after = co_await send(post(
        R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"ref_echo","arguments":{"text":"x"}}})",
        init->session));
    EXPECT_EQ(after->status, 404u) << after->body;
  };
  auto fut = asio::co_spawn(io, body(), asio::use_future);
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (fut.wait_for(0s) != std::future_status::ready && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(50ms);
  ASSERT_EQ(fut.wait_for(0s), std::future_status::ready);
  fut.get();
  pools->stop_all(1s);
}

// A 2026-07-28 client through the gateway to the reference server over HTTP.
TEST(HttpUpstream, ModernClientToReferenceServer) {
  ReferenceServer server("everything");
  ASSERT_NE(server.port(), 0);
  auto snap = std::make_shared<GatewaySnapshot>();
  RouteSpec route;
  TargetSpec ref;
  ref.name = "ref";
  ref.transport = HttpTarget{"http://127.0.0.1:" + std::to_string(server.port()) + "/mcp", {}};
  ref.timeout = 5s;
  route.targets = {ref};
  snap->routes.push_back(route);
  asio::io_context io;
  auto codec = std::make_shared<SessionCodec>(SessionCodec::create("k"));
  auto pools = std::make_shared<UpstreamPools>();
  FrontEnd front(codec, pools, "test");
  front.update(snap);
  auto send = [&](std::string method, std::string name, std::string params) -> asio::awaitable<std::unique_ptr<Capture>> {
    std::string meta = R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
                       R"("io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}})";
    params = params.empty() ? "{" + meta + "}" : params.substr(0, params.size() - 1) + "," + meta + "}";
    auto req = post(R"({"jsonrpc":"2.0","id":5,"method":")" + method + R"(","params":)" + params + "}");
    req.set("MCP-Protocol-Version", "2026-07-28");
    req.set("Mcp-Method", method);
    if (!name.empty()) req.set("Mcp-Name", name);
    auto c = std::make_unique<Capture>(io.get_executor(), std::move(req));
    co_await front.handle(*c);
    co_return c;
  };
  auto body = [&]() -> asio::awaitable<void> {
    auto d = co_await send("server/discover", "", "");
    EXPECT_EQ(d->status, 200u) << d->body;
    auto disc = d->answer();
    EXPECT_TRUE(disc.at("result").at("capabilities").at("tools").is_object()) << d->body;
    auto list = co_await send("tools/list", "", "");
    auto listed = list->answer();
    EXPECT_GT(listed.at("result").at("tools").as_array().size(), 5u);
    auto call = co_await send("tools/call", "echo", R"({"name":"echo","arguments":{"text":"modern"}})");
    auto a = call->answer();
    EXPECT_EQ(a.at("result").at("content").at(0).at("text").as_string(), "modern") << call->body;
  };
  auto fut = asio::co_spawn(io, body(), asio::use_future);
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (fut.wait_for(0s) != std::future_status::ready && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(50ms);
  ASSERT_EQ(fut.wait_for(0s), std::future_status::ready);
  fut.get();
  pools->stop_all(1s);
}

}  // namespace
}  // namespace gatehouse::gateway
