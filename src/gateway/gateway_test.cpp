// The runnable gateway over real sockets: admin endpoints, MCP through a listener, a hot
// reload, and a drain that lets an in-flight call finish while refusing new connections.
#include "gateway/gateway.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace gatehouse::gateway {
namespace {
namespace json = boost::json;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

struct Reply {
  unsigned status = 0;
  std::string body;
  std::string session;
  bool ok = false;
};

Reply request(unsigned short port, http::verb verb, std::string target, std::string body = {},
              std::string session = {}) {
  Reply out;
  asio::io_context io;
  asio::ip::tcp::socket sock(io);
  boost::system::error_code ec;
  sock.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return out;
  net::Request req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (verb == http::verb::post) {
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "application/json, text/event-stream");
  }
  if (!session.empty()) req.set("Mcp-Session-Id", session);
  req.body() = std::move(body);
  req.prepare_payload();
  http::write(sock, req, ec);
  if (ec) return out;
  boost::beast::flat_buffer buf;
  net::Response res;
  http::read(sock, buf, res, ec);
  if (ec) return out;
  out.ok = true;
  out.status = res.result_int();
  out.body = res.body();
  if (auto it = res.find("Mcp-Session-Id"); it != res.end()) out.session = it->value();
  return out;
}

std::shared_ptr<GatewaySnapshot> snapshot(std::string tool_target) {
  auto s = std::make_shared<GatewaySnapshot>();
  s->listeners.push_back(ListenerSpec{"main", "127.0.0.1", 0});
  s->admin = ListenerSpec{"admin", "127.0.0.1", 0};
  RouteSpec r;
  r.name = "tools";
  r.listener = "main";
  TargetSpec t;
  t.name = tool_target;
  t.transport = StdioSpec{"node", {GATEHOUSE_SOURCE_DIR "/tests/gateway/fixtures/stdio-server.mjs", tool_target},
                          {{"SECRET", "hunter2"}}};
  t.timeout = 5s;
  r.targets.push_back(t);
  s->routes.push_back(r);
  return s;
}

const std::string kInit =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";

TEST(Gateway, AdminMcpReloadAndDrain) {
  auto created = Gateway::create(snapshot("alpha"), GatewayOptions{.threads = 2, .session_key = "k"});
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto& gw = **created;
  gw.start();
  auto port = gw.ports().at(0);
  auto admin = gw.admin_port();
  ASSERT_NE(admin, 0);

  EXPECT_EQ(request(admin, http::verb::get, "/healthz").status, 200u);
  EXPECT_EQ(request(admin, http::verb::get, "/readyz").status, 200u);
  auto config = request(admin, http::verb::get, "/config");
  EXPECT_EQ(config.status, 200u);
  EXPECT_EQ(config.body.find("hunter2"), std::string::npos) << config.body;
  EXPECT_NE(config.body.find("alpha"), std::string::npos);
  EXPECT_EQ(request(admin, http::verb::get, "/nope").status, 404u);

  auto init = request(port, http::verb::post, "/mcp", kInit);
  ASSERT_EQ(init.status, 200u) << init.body;
  ASSERT_FALSE(init.session.empty());
  auto call = request(port, http::verb::post, "/mcp",
                      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}})",
                      init.session);
  EXPECT_NE(call.body.find("alpha: hi"), std::string::npos) << call.body;

  // Reload: the same route now fronts "beta"; the old session names a target that is
  // gone, new sessions get the new target.
  gw.update(snapshot("beta"));
  auto init2 = request(port, http::verb::post, "/mcp", kInit);
  auto call2 = request(port, http::verb::post, "/mcp",
                       R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}})",
                       init2.session);
  EXPECT_NE(call2.body.find("beta: x"), std::string::npos) << call2.body;
  EXPECT_NE(request(admin, http::verb::get, "/config").body.find("beta"), std::string::npos);

  // Drain while a slow call is in flight: it completes; afterwards nothing is accepted.
  auto slow = std::async(std::launch::async, [&] {
    return request(port, http::verb::post, "/mcp",
                   R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"text":"slow","slowMs":400}}})",
                   init2.session);
  });
  std::this_thread::sleep_for(100ms);
  auto t0 = std::chrono::steady_clock::now();
  gw.drain(5s);
  auto took = std::chrono::steady_clock::now() - t0;
  auto finished = slow.get();
  EXPECT_TRUE(finished.ok);
  EXPECT_NE(finished.body.find("beta: slow"), std::string::npos) << finished.body;
  EXPECT_LT(took, 4s) << "drain waited for the whole grace";
  EXPECT_FALSE(request(port, http::verb::post, "/mcp", kInit).ok);
}

TEST(Gateway, RefusesWithoutListenersOrOnABusyPort) {
  auto s = std::make_shared<GatewaySnapshot>();
  EXPECT_FALSE(Gateway::create(s, {}).ok());
  auto first = Gateway::create(snapshot("alpha"), GatewayOptions{.threads = 1});
  ASSERT_TRUE(first.ok());
  auto s2 = snapshot("alpha");
  s2->listeners[0].port = (*first)->ports()[0];
  auto second = Gateway::create(s2, GatewayOptions{.threads = 1});
  EXPECT_FALSE(second.ok());
}

}  // namespace
}  // namespace gatehouse::gateway
