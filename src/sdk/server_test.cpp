// Dispatch through sdk::Server without a transport: an Outbound that records what the
// server sends, on a local io_context.
#include "sdk/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <vector>

namespace gatehouse::sdk {
namespace {

struct Recorder : Outbound {
  std::vector<json::object> sent;
  void send(const json::object& m) override { sent.push_back(m); }
};

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() : server_({.name = "t", .version = "1"}) {
    server_.tool({.name = "echo",
                  .input_schema = json::parse(R"({"type":"object","properties":{"text":{"type":"string"}},"required":["text"]})").as_object(),
                  .handler = [](const json::object& a, Context& ctx) -> asio::awaitable<Result<json::object>> {
                    ctx.log("debug", "echoing");
                    ctx.progress(1, 1);
                    co_return text_result(a.at("text").as_string());
                  }});
    server_.tool({.name = "ask", .input_schema = empty_object_schema(),
                  .handler = [](const json::object&, Context& ctx) -> asio::awaitable<Result<json::object>> {
                    json::object params;  // GCC 12 rejects braced temporaries inside co_await
                    params["maxTokens"] = 1;
                    auto r = co_await ctx.create_message(std::move(params));
                    if (!r.ok()) co_return r.propagate();
                    co_return text_result(r->as_object().at("model").as_string());
                  }});
    server_.resource({.uri = "test://a", .name = "a",
                      .handler = [](const std::string& uri, Context&) -> asio::awaitable<Result<json::object>> {
                        co_return json::object{{"contents", json::array{json::object{{"uri", uri}, {"text", "A"}}}}};
                      }});
    server_.prompt({.name = "p", .arguments = {{.name = "x", .required = true}},
                    .handler = [](const json::object& a, Context&) -> asio::awaitable<Result<json::object>> {
                      co_return json::object{{"messages", json::array{}}};
                    }});
  }

  std::optional<json::object> call(std::string_view text, mcp::Era era = mcp::Era::session) {
    if (!session_ || session_->era() != era) session_ = std::make_shared<Session>(io_.get_executor(), era);
    auto m = jsonrpc::parse(text);
    EXPECT_TRUE(m.ok()) << text;
    std::optional<json::object> out;
    asio::co_spawn(io_, server_.handle(session_, *m, out_), [&](std::exception_ptr, std::optional<json::object> r) { out = std::move(r); });
    io_.run();
    io_.restart();
    return out;
  }

  asio::io_context io_;
  Server server_;
  std::shared_ptr<Session> session_;
  std::shared_ptr<Recorder> out_ = std::make_shared<Recorder>();
};

TEST_F(ServerTest, InitializeNegotiatesAndAdvertises) {
  auto r = call(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{}}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("result").at("protocolVersion").as_string(), "2025-11-25");
  const auto& caps = r->at("result").at("capabilities").as_object();
  EXPECT_TRUE(caps.contains("tools"));
  EXPECT_TRUE(caps.contains("resources"));
  EXPECT_TRUE(caps.contains("prompts"));
  EXPECT_FALSE(caps.contains("completions"));  // no completion handler registered
}

TEST_F(ServerTest, ToolCallSendsNotificationsOnlyWithToken) {
  auto r = call(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("result").at("content").at(0).at("text").as_string(), "hi");
  ASSERT_EQ(out_->sent.size(), 1u);  // the log line; no progress without a token
  EXPECT_EQ(out_->sent[0].at("method").as_string(), "notifications/message");
  call(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"},"_meta":{"progressToken":"t"}}})");
  ASSERT_EQ(out_->sent.size(), 3u);
  EXPECT_EQ(out_->sent[2].at("params").at("progressToken").as_string(), "t");
}

TEST_F(ServerTest, SetLevelFiltersLogs) {
  auto ok = call(R"({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"error"}})");
  ASSERT_TRUE(ok && ok->contains("result"));
  call(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}})");
  EXPECT_TRUE(out_->sent.empty());
  auto bad = call(R"({"jsonrpc":"2.0","id":3,"method":"logging/setLevel","params":{"level":"loud"}})");
  EXPECT_EQ(bad->at("error").at("code").as_int64(), -32602);
}

TEST_F(ServerTest, Errors) {
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1,"method":"nope"})")->at("error").at("code").as_int64(), -32601);
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"zzz"}})")->at("error").at("code").as_int64(), -32602);
  auto invalid = call(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":5}}})");
  EXPECT_TRUE(invalid->at("result").at("isError").as_bool());
  auto missing = call(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{}}})");
  EXPECT_TRUE(missing->at("result").at("isError").as_bool());
  auto res = call(R"({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"test://none"}})");
  EXPECT_EQ(res->at("error").at("code").as_int64(), -32002);
  EXPECT_EQ(res->at("error").at("data").at("uri").as_string(), "test://none");
  auto prompt = call(R"({"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"p"}})");
  EXPECT_EQ(prompt->at("error").at("code").as_int64(), -32602);
  EXPECT_FALSE(call(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
}

TEST_F(ServerTest, ModernResultsAreDecorated) {
  auto r = call(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}})", mcp::Era::modern);
  const auto& result = r->at("result").as_object();
  EXPECT_EQ(result.at("resultType").as_string(), "complete");
  EXPECT_EQ(result.at("ttlMs").as_int64(), 0);
  EXPECT_EQ(result.at("_meta").at(mcp::kMetaServerInfo).at("name").as_string(), "t");
  auto d = call(R"({"jsonrpc":"2.0","id":2,"method":"server/discover","params":{}})", mcp::Era::modern);
  EXPECT_EQ(d->at("result").at("supportedVersions").at(0).as_string(), "2026-07-28");
  // Initialize has no meaning in the stateless era.
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":3,"method":"initialize","params":{}})", mcp::Era::modern)
                ->at("error").at("code").as_int64(), -32601);
}

TEST_F(ServerTest, ServerToClientRequestRoundTrip) {
  session_ = std::make_shared<Session>(io_.get_executor(), mcp::Era::session);
  auto m = jsonrpc::parse(R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"ask"}})");
  std::optional<json::object> out;
  asio::co_spawn(io_, server_.handle(session_, *m, out_), [&](std::exception_ptr, std::optional<json::object> r) { out = std::move(r); });
  io_.poll();
  ASSERT_EQ(out_->sent.size(), 1u);
  EXPECT_EQ(out_->sent[0].at("method").as_string(), "sampling/createMessage");
  auto reply = jsonrpc::from_value(jsonrpc::response(out_->sent[0].at("id"), json::object{{"model", "m1"}}));
  asio::co_spawn(io_, server_.handle(session_, *reply, out_), asio::detached);
  io_.run();
  ASSERT_TRUE(out);
  EXPECT_EQ(out->at("result").at("content").at(0).at("text").as_string(), "m1");
}

TEST_F(ServerTest, ModernEraCannotSendRequests) {
  auto r = call(R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"ask"}})", mcp::Era::modern);
  EXPECT_TRUE(r->contains("error"));
  EXPECT_TRUE(out_->sent.empty());
}

TEST(CheckArguments, Types) {
  auto schema = json::parse(R"({"type":"object","properties":{"n":{"type":"integer"},"b":{"type":"boolean"}},"required":["n"]})").as_object();
  EXPECT_TRUE(check_arguments(schema, json::parse(R"({"n":3,"b":true})").as_object()).ok());
  EXPECT_FALSE(check_arguments(schema, json::parse(R"({"n":3.5})").as_object()).ok());
  EXPECT_FALSE(check_arguments(schema, json::parse(R"({"b":true})").as_object()).ok());
  EXPECT_FALSE(check_arguments(schema, json::parse(R"({"n":1,"b":"yes"})").as_object()).ok());
}

}  // namespace
}  // namespace gatehouse::sdk
