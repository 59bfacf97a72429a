// The front end and relay driven through a fake exchange, with stdio fixture targets
// (tests/gateway/fixtures/stdio-server.mjs): no HTTP server needed.
#include "gateway/front_end.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "gateway/relay.hpp"
#include "gateway/sealed_box.hpp"

namespace gatehouse::gateway {
namespace {
namespace json = boost::json;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

class FakeExchange final : public net::Exchange {
 public:
  FakeExchange(asio::any_io_executor ex, net::Request req) : ex_(ex), req_(std::move(req)), closed_(ex) {
    closed_.expires_at(asio::steady_timer::time_point::max());
  }
  const net::Request& request() const override { return req_; }
  const asio::ip::tcp::endpoint& remote() const override { return remote_; }
  asio::any_io_executor executor() const override { return ex_; }
  asio::awaitable<bool> respond(net::Response r) override {
    status = r.result_int();
    for (auto& f : r) headers[std::string(f.name_string())] = std::string(f.value());
    body = r.body();
    done = true;
    co_return true;
  }
  asio::awaitable<bool> begin_stream(net::ResponseHead h) override {
    status = h.result_int();
    for (auto& f : h) headers[std::string(f.name_string())] = std::string(f.value());
    streaming = true;
    co_return !peer_gone;
  }
  asio::awaitable<bool> write_chunk(std::string_view data) override {
    chunks.emplace_back(data);
    co_return !peer_gone;
  }
  asio::awaitable<void> end_stream() override {
    done = true;
    co_return;
  }
  asio::awaitable<void> wait_peer_closed() override {
    if (!peer_gone) co_await closed_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  bool peer_closed() const override { return peer_gone; }
  void close_peer() { peer_gone = true; closed_.cancel(); }

  json::object json_body() const { return json::parse(body).as_object(); }
  // The JSON of every SSE data line written so far.
  std::vector<json::object> events() const {
    std::vector<json::object> out;
    for (const auto& c : chunks) {  // a chunk may hold several events
      for (auto pos = c.find("data: "); pos != std::string::npos; pos = c.find("data: ", pos)) {
        auto end = c.find('\n', pos);
        out.push_back(json::parse(c.substr(pos + 6, end - pos - 6)).as_object());
        pos = end;
      }
    }
    return out;
  }

  unsigned status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  std::vector<std::string> chunks;
  bool streaming = false;
  bool done = false;
  bool peer_gone = false;

 private:
  asio::any_io_executor ex_;
  net::Request req_;
  asio::ip::tcp::endpoint remote_;
  asio::steady_timer closed_;
};

TargetSpec fixture_target(std::string name, FailureMode failure = FailureMode::open) {
  TargetSpec t;
  t.name = name;
  t.transport = StdioSpec{"node", {GATEHOUSE_SOURCE_DIR "/tests/gateway/fixtures/stdio-server.mjs", name}, {}};
  t.timeout = 5s;
  t.failure = failure;
  return t;
}

std::shared_ptr<GatewaySnapshot> snapshot_with(std::vector<TargetSpec> targets,
                                               PrefixMode prefix = PrefixMode::automatic) {
  auto s = std::make_shared<GatewaySnapshot>();
  RouteSpec r;
  r.path = "/mcp";
  r.targets = std::move(targets);
  r.prefix = prefix;
  s->routes.push_back(std::move(r));
  return s;
}

net::Request post(std::string body, std::string session = {}) {
  net::Request req{http::verb::post, "/mcp", 11};
  req.set(http::field::host, "127.0.0.1:1234");
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "application/json, text/event-stream");
  if (!session.empty()) req.set("Mcp-Session-Id", session);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

const std::string kInit =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";

std::string call_body(std::string_view id, std::string_view tool, std::string_view args) {
  return std::string(R"({"jsonrpc":"2.0","id":)") + std::string(id) + R"(,"method":"tools/call","params":{"name":")" +
         std::string(tool) + R"(","arguments":)" + std::string(args) + "}}";
}

std::string text_of(const json::object& response) {
  const auto& v = response.at("result").at("content").at(0).at("text");
  return std::string(v.as_string());
}

class FrontEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    codec_ = std::make_shared<SessionCodec>(SessionCodec::create("test secret"));
    pools_ = std::make_shared<UpstreamPools>();
    front_ = std::make_unique<FrontEnd>(codec_, pools_, "0.1.0-test");
  }
  void TearDown() override {
    front_.reset();
    pools_->stop_all(1s);
  }

  // Runs `body` on io_, then stops the children while the loop still exists.
  template <typename F>
  void run(F body, std::chrono::seconds limit = 20s) {
    auto fut = asio::co_spawn(io_, body(), asio::use_future);
    // Children keep the loop busy forever: run until the body is done, not until idle.
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (fut.wait_for(0s) != std::future_status::ready && std::chrono::steady_clock::now() < deadline)
      io_.run_one_for(50ms);
    ASSERT_EQ(fut.wait_for(0s), std::future_status::ready) << "did not finish";
    fut.get();
  }

  asio::awaitable<std::unique_ptr<FakeExchange>> send(net::Request req) {
    auto ex = std::make_unique<FakeExchange>(io_.get_executor(), std::move(req));
    co_await front_->handle(*ex);
    co_return ex;
  }

  asio::awaitable<std::string> initialize() {
    auto ex = co_await send(post(kInit));
    EXPECT_EQ(ex->status, 200u) << ex->body;
    co_return ex->headers["Mcp-Session-Id"];
  }

  asio::io_context io_;
  std::shared_ptr<SessionCodec> codec_;
  std::shared_ptr<UpstreamPools> pools_;
  std::unique_ptr<FrontEnd> front_;
};

TEST(FrontEndChecks, Accepts) {
  EXPECT_TRUE(accepts("application/json, text/event-stream", "text/event-stream"));
  EXPECT_TRUE(accepts("application/json;q=0.9,text/*", "text/event-stream"));
  EXPECT_TRUE(accepts("*/*", "application/json"));
  EXPECT_FALSE(accepts("application/json", "text/event-stream"));
  EXPECT_FALSE(accepts("", "application/json"));
  EXPECT_FALSE(accepts("application/jsonx", "application/json"));
}

TEST(FrontEndChecks, Origins) {
  RouteSpec r;
  r.allowed_origins = {"https://app.example"};
  EXPECT_TRUE(origin_allowed("", r));
  EXPECT_TRUE(origin_allowed("https://app.example", r));
  EXPECT_TRUE(origin_allowed("http://localhost:3000", r));
  EXPECT_TRUE(origin_allowed("http://127.0.0.1", r));
  EXPECT_FALSE(origin_allowed("https://evil.example", r));
  EXPECT_FALSE(origin_allowed("http://localhost.evil.example", r));
  EXPECT_FALSE(origin_allowed("null", r));
}

TEST_F(FrontEndTest, InitializeListCallAcrossTwoTargets) {
  front_->update(snapshot_with({fixture_target("alpha"), fixture_target("beta")}));
  run([&]() -> asio::awaitable<void> {
    auto init = co_await send(post(kInit));
    EXPECT_EQ(init->status, 200u) << init->body;
    auto session = init->headers["Mcp-Session-Id"];
    EXPECT_FALSE(session.empty());
    auto r = init->json_body().at("result").as_object();
    EXPECT_EQ(r.at("protocolVersion").as_string(), "2025-11-25");
    EXPECT_EQ(r.at("capabilities").at("tools").at("listChanged").as_bool(), true);
    EXPECT_EQ(r.at("serverInfo").at("name").as_string(), "gatehouse");
    EXPECT_EQ(r.at("instructions").as_string(), "## alpha\nuse alpha\n\n## beta\nuse beta");

    auto list = co_await send(post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", session));
    EXPECT_EQ(list->status, 200u) << list->body;
    std::vector<std::string> names;
    auto listed = list->json_body();  // range-for does not extend a temporary's members
    for (auto& t : listed.at("result").at("tools").as_array())
      names.emplace_back(t.at("name").as_string());
    EXPECT_EQ(names, (std::vector<std::string>{"alpha_echo", "alpha_only_alpha", "beta_echo", "beta_only_beta"}));

    auto call = co_await send(post(call_body("\"x\"", "beta_echo", R"({"text":"hi"})"), session));
    EXPECT_EQ(call->status, 200u);
    EXPECT_EQ(text_of(call->json_body()), "beta: hi");
    EXPECT_EQ(call->json_body().at("id").as_string(), "x");

    auto unknown = co_await send(post(call_body("3", "gamma_echo", "{}"), session));
    EXPECT_EQ(unknown->status, 200u);
    EXPECT_EQ(unknown->json_body().at("error").at("code").as_int64(), -32602);

    auto ping = co_await send(post(R"({"jsonrpc":"2.0","id":4,"method":"ping"})", session));
    EXPECT_TRUE(ping->json_body().at("result").as_object().empty());

    auto note = co_await send(post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", session));
    EXPECT_EQ(note->status, 202u);
  });
}

TEST_F(FrontEndTest, ResourcesAreWrappedAndRouted) {
  front_->update(snapshot_with({fixture_target("alpha"), fixture_target("beta")}));
  run([&]() -> asio::awaitable<void> {
    auto session = co_await initialize();
    auto list = co_await send(post(R"({"jsonrpc":"2.0","id":2,"method":"resources/list"})", session));
    auto res = list->json_body().at("result").at("resources").as_array();
    EXPECT_EQ(res.size(), 2u);
    EXPECT_EQ(res.at(1).at("uri").as_string(), "beta+mem://beta/a");
    auto read = co_await send(post(
        R"({"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"beta+mem://beta/a"}})", session));
    auto c = read->json_body().at("result").at("contents").at(0).as_object();
    EXPECT_EQ(c.at("text").as_string(), "beta read mem://beta/a");
    EXPECT_EQ(c.at("uri").as_string(), "beta+mem://beta/a");
  });
}

TEST_F(FrontEndTest, SingleTargetIsNotPrefixed) {
  front_->update(snapshot_with({fixture_target("solo")}));
  run([&]() -> asio::awaitable<void> {
    auto session = co_await initialize();
    auto list = co_await send(post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", session));
    EXPECT_EQ(list->json_body().at("result").at("tools").at(0).at("name").as_string(), "echo");
    auto call = co_await send(post(call_body("5", "echo", R"({"text":"one"})"), session));
    EXPECT_EQ(text_of(call->json_body()), "solo: one");
  });
}

TEST_F(FrontEndTest, CollisionsWithoutPrefixFirstTargetWins) {
  front_->update(snapshot_with({fixture_target("alpha"), fixture_target("beta")}, PrefixMode::never));
  run([&]() -> asio::awaitable<void> {
    auto session = co_await initialize();
    auto list = co_await send(post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", session));
    std::vector<std::string> names;
    auto listed = list->json_body();  // range-for does not extend a temporary's members
    for (auto& t : listed.at("result").at("tools").as_array()) names.emplace_back(t.at("name").as_string());
    EXPECT_EQ(names, (std::vector<std::string>{"echo", "only_alpha", "only_beta"}));
    auto echo = co_await send(post(call_body("1", "echo", R"({"text":"a"})"), session));
    EXPECT_EQ(text_of(echo->json_body()), "alpha: a");
    auto only_b = co_await send(post(call_body("2", "only_beta", "{}"), session));
    EXPECT_EQ(text_of(only_b->json_body()), "beta: ");
  });
}

TEST_F(FrontEndTest, SessionErrors) {
  front_->update(snapshot_with({fixture_target("alpha")}));
  run([&]() -> asio::awaitable<void> {
    auto session = co_await initialize();
    const std::string list = R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})";
    auto missing = co_await send(post(list));
    EXPECT_EQ(missing->status, 400u);
    std::string tampered = session;
    tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
    auto bad = co_await send(post(list, tampered));
    EXPECT_EQ(bad->status, 404u);
    auto other = SessionCodec::create("another replica's secret");
    auto foreign = co_await send(post(list, other.seal(codec_->unseal(session, unix_now()).value())));
    EXPECT_EQ(foreign->status, 404u);
    auto same = SessionCodec::create("test secret");  // a replica sharing the secret
    auto shared = co_await send(post(list, same.seal(same.unseal(session, unix_now()).value())));
    EXPECT_EQ(shared->status, 200u);
  });
}

TEST_F(FrontEndTest, HttpChecks) {
  front_->update(snapshot_with({fixture_target("alpha")}));
  run([&]() -> asio::awaitable<void> {
    auto req = post(kInit);
    req.set(http::field::accept, "application/json");
    EXPECT_EQ((co_await send(req))->status, 406u);
    req = post(kInit);
    req.set(http::field::content_type, "text/plain");
    EXPECT_EQ((co_await send(req))->status, 415u);
    req = post(kInit);
    req.set(http::field::origin, "https://evil.example");
    EXPECT_EQ((co_await send(req))->status, 403u);
    EXPECT_EQ((co_await send(post("{not json")))->status, 400u);
    EXPECT_EQ((co_await send(post("[1,2]")))->status, 400u);
    EXPECT_EQ((co_await send(post(R"({"jsonrpc":"1.0","id":1,"method":"ping"})")))->status, 400u);
    req = post(kInit);
    req.target("/other");
    EXPECT_EQ((co_await send(req))->status, 404u);
    req = post(kInit);
    req.method(http::verb::put);
    EXPECT_EQ((co_await send(req))->status, 405u);
    auto session = co_await initialize();
    req = post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})", session);
    req.set("MCP-Protocol-Version", "1999-01-01");
    auto old = co_await send(req);
    EXPECT_EQ(old->status, 400u);
    EXPECT_EQ(old->json_body().at("error").at("code").as_int64(), -32022);
    // A 2026-07-28 header without the body's envelope is invalid params.
    req = post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})");
    req.set("MCP-Protocol-Version", "2026-07-28");
    req.set("Mcp-Method", "tools/list");
    auto modern = co_await send(req);
    EXPECT_EQ(modern->status, 400u);
    EXPECT_EQ(modern->json_body().at("error").at("code").as_int64(), -32602);
  });
}

TEST_F(FrontEndTest, SamplingRoundTripThroughTheGateway) {
  front_->update(snapshot_with({fixture_target("alpha"), fixture_target("beta")}));
  run([&]() -> asio::awaitable<void> {
    auto session = co_await initialize();
    auto call = std::make_unique<FakeExchange>(io_.get_executor(),
                                               post(call_body("7", "alpha_echo", R"({"sample":"q?"})"), session));
    bool finished = false;
    asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
      co_await front_->handle(*call);
      finished = true;
    }, asio::detached);
    asio::steady_timer t(io_);
    for (int i = 0; i < 200 && call->events().empty(); ++i) {
      t.expires_after(10ms);
      co_await t.async_wait(asio::use_awaitable);
    }
    auto events = call->events();
    EXPECT_EQ(events.size(), 1u);
    if (events.empty()) co_return;
    EXPECT_TRUE(call->streaming);
    EXPECT_EQ(events[0].at("method").as_string(), "sampling/createMessage");
    auto rid = events[0].at("id");
    EXPECT_TRUE(rid.is_string());
    EXPECT_TRUE(rid.as_string().starts_with("alpha:"));
    json::object answer;
    answer["jsonrpc"] = "2.0";
    answer["id"] = rid;
    answer["result"] = json::parse(R"({"role":"assistant","content":{"type":"text","text":"42"}})");
    auto reply = co_await send(post(json::serialize(answer), session));
    EXPECT_EQ(reply->status, 202u);
    for (int i = 0; i < 200 && !finished; ++i) {
      t.expires_after(10ms);
      co_await t.async_wait(asio::use_awaitable);
    }
    EXPECT_TRUE(finished);
    events = call->events();
    EXPECT_EQ(events.size(), 2u);
    if (events.size() == 2) {
      EXPECT_EQ(text_of(events[1]), "sampled: 42");
    }
  });
}

TEST_F(FrontEndTest, DeadTargetOpenIsLeftOutClosedFails) {
  TargetSpec dead;
  dead.name = "dead";
  dead.transport = StdioSpec{"/nonexistent/server", {}, {}};
  dead.timeout = 500ms;
  front_->update(snapshot_with({fixture_target("alpha"), dead}));
  run([&]() -> asio::awaitable<void> {
    auto session = co_await initialize();
    auto list = co_await send(post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", session));
    EXPECT_EQ(list->json_body().at("result").at("tools").as_array().size(), 2u);
    auto state = codec_->unseal(session, unix_now());
    EXPECT_TRUE(state.ok());
    if (state.ok()) { EXPECT_EQ(state->targets.size(), 1u); }
  });
  dead.failure = FailureMode::closed;
  front_->update(snapshot_with({fixture_target("alpha"), dead}));
  run([&]() -> asio::awaitable<void> {
    auto init = co_await send(post(kInit));
    EXPECT_EQ(init->status, 200u);
    EXPECT_TRUE(init->json_body().contains("error")) << init->body;
    EXPECT_TRUE(init->headers["Mcp-Session-Id"].empty());
  });
}

TEST_F(FrontEndTest, ServerStreamCarriesListChanged) {
  front_->update(snapshot_with({fixture_target("alpha")}));
  run([&]() -> asio::awaitable<void> {
    auto session = co_await initialize();
    net::Request get{http::verb::get, "/mcp", 11};
    get.set(http::field::host, "127.0.0.1");
    get.set(http::field::accept, "text/event-stream");
    get.set("Mcp-Session-Id", session);
    auto stream = std::make_unique<FakeExchange>(io_.get_executor(), get);
    bool finished = false;
    asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
      co_await front_->handle(*stream);
      finished = true;
    }, asio::detached);
    asio::steady_timer t(io_);
    t.expires_after(100ms);
    co_await t.async_wait(asio::use_awaitable);
    EXPECT_TRUE(stream->streaming);
    EXPECT_EQ(stream->headers["Content-Type"], "text/event-stream");
    stream->close_peer();
    for (int i = 0; i < 100 && !finished; ++i) {
      t.expires_after(10ms);
      co_await t.async_wait(asio::use_awaitable);
    }
    EXPECT_TRUE(finished);
  });
}

// A policy that records what it saw, refuses calls to beta and hides alpha's "echo".
class RecordingPolicy final : public PolicyStage {
 public:
  std::string_view name() const override { return "recording"; }
  asio::awaitable<Decision> apply(PolicyRequest& r) override {
    seen.push_back({std::string(r.method), r.target, r.tool,
                    r.arguments ? json::serialize(*r.arguments) : std::string()});
    r.principal = "alice";
    if (r.method == "tools/call" && r.target == "beta")
      co_return Decision::respond_now(json_response(403, jsonrpc_error(nullptr, -32003, "denied"), {}));
    co_return Decision::proceed_with({{"X-Policy", "seen"}});
  }
  asio::awaitable<void> filter_list(const PolicyRequest&, ListKind kind, std::vector<ListedItem>& items) override {
    for (auto& i : items)
      if (kind == ListKind::tools && i.target == "alpha" && i.name == "echo") i.keep = false;
    co_return;
  }
  struct Seen {
    std::string method, target, tool, arguments;
  };
  std::vector<Seen> seen;
};

TEST_F(FrontEndTest, PolicySeesResolvedNamesFiltersListsAndBindsSessions) {
  auto chain = std::make_shared<PolicyChain>();
  auto policy = std::make_unique<RecordingPolicy>();
  auto* recorder = policy.get();
  chain->add(Stage::authz, std::move(policy));
  front_->update(snapshot_with({fixture_target("alpha"), fixture_target("beta")}), chain);
  run([&]() -> asio::awaitable<void> {
    auto init = co_await send(post(kInit));
    auto session = init->headers["Mcp-Session-Id"];
    EXPECT_EQ(init->headers["X-Policy"], "seen");
    auto list = co_await send(post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", session));
    auto listed = list->json_body();
    std::vector<std::string> names;
    for (auto& t : listed.at("result").at("tools").as_array()) names.emplace_back(t.at("name").as_string());
    EXPECT_EQ(names, (std::vector<std::string>{"alpha_only_alpha", "beta_echo", "beta_only_beta"}));

    auto call = co_await send(post(call_body("3", "alpha_echo", R"({"text":"x"})"), session));
    EXPECT_EQ(text_of(call->json_body()), "alpha: x");
    EXPECT_EQ(recorder->seen.back().target, "alpha");
    EXPECT_EQ(recorder->seen.back().tool, "echo");
    EXPECT_EQ(recorder->seen.back().arguments, R"({"text":"x"})");
    auto denied = co_await send(post(call_body("4", "beta_echo", "{}"), session));
    EXPECT_EQ(denied->status, 403u);

    // The session is bound to "alice": without that principal it is unknown.
    auto state = codec_->unseal(session, unix_now(), "alice");
    EXPECT_TRUE(state.ok());
    EXPECT_FALSE(codec_->unseal(session, unix_now(), "mallory").ok());
  });
}

net::Request modern_post(std::string_view method, std::string_view name, std::string params_json) {
  std::string meta = R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
                     R"("io.modelcontextprotocol/clientCapabilities":{}})";
  std::string params = params_json.empty() ? "{" + meta + "}" : params_json.substr(0, params_json.size() - 1) + "," + meta + "}";
  auto req = post(R"({"jsonrpc":"2.0","id":11,"method":")" + std::string(method) + R"(","params":)" + params + "}");
  req.set("MCP-Protocol-Version", "2026-07-28");
  req.set("Mcp-Method", method);
  if (!name.empty()) req.set("Mcp-Name", name);
  return req;
}

TEST_F(FrontEndTest, ModernEraIsStatelessAcrossTargets) {
  front_->update(snapshot_with({fixture_target("alpha"), fixture_target("beta")}));
  run([&]() -> asio::awaitable<void> {
    auto discover = co_await send(modern_post("server/discover", "", ""));
    EXPECT_EQ(discover->status, 200u) << discover->body;
    EXPECT_TRUE(discover->headers["Mcp-Session-Id"].empty());
    auto d = discover->json_body().at("result").as_object();
    EXPECT_EQ(d.at("supportedVersions").at(0).as_string(), "2026-07-28");
    EXPECT_TRUE(d.at("capabilities").at("tools").is_object());
    EXPECT_EQ(d.at("_meta").at("io.modelcontextprotocol/serverInfo").at("name").as_string(), "gatehouse");

    auto list = co_await send(modern_post("tools/list", "", ""));
    auto listed = list->json_body();
    EXPECT_EQ(listed.at("result").at("tools").as_array().size(), 4u) << list->body;
    EXPECT_EQ(listed.at("result").at("ttlMs").as_int64(), 0);
    EXPECT_EQ(listed.at("result").at("cacheScope").as_string(), "private");

    auto call = co_await send(modern_post("tools/call", "beta_echo", R"({"name":"beta_echo","arguments":{"text":"m"}})"));
    EXPECT_EQ(text_of(call->json_body()), "beta: m") << call->body;

    // Mcp-Name must name what the body names.
    auto req = modern_post("tools/call", "alpha_echo", R"({"name":"beta_echo","arguments":{}})");
    auto mismatch = co_await send(req);
    EXPECT_EQ(mismatch->status, 400u);
    EXPECT_EQ(mismatch->json_body().at("error").at("code").as_int64(), -32020);
    // No GET stream in this era.
    net::Request get{http::verb::get, "/mcp", 11};
    get.set(http::field::host, "127.0.0.1");
    get.set(http::field::accept, "text/event-stream");
    get.set("MCP-Protocol-Version", "2026-07-28");
    EXPECT_EQ((co_await send(get))->status, 405u);
  });
}

}  // namespace
}  // namespace gatehouse::gateway
