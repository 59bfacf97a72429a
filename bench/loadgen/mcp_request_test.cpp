#include "bench/loadgen/mcp_request.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace gatehouse::bench {
namespace {

namespace http = boost::beast::http;

TEST(LoadgenRequest, ToolsCallWithProgressTokenLegacy) {
  LoadOptions o;
  o.payload_bytes = 4;
  o.progress = true;
  o.tool = "echo_stream";
  auto v = boost::json::parse(request_body(o, 7)).as_object();
  EXPECT_EQ(v.at("id").as_int64(), 7);
  EXPECT_EQ(v.at("method").as_string(), "tools/call");
  const auto& params = v.at("params").as_object();
  EXPECT_EQ(params.at("name").as_string(), "echo_stream");
  EXPECT_EQ(params.at("arguments").at("text").as_string(), "xxxx");
  EXPECT_EQ(params.at("_meta").at("progressToken").as_int64(), 7);
  EXPECT_FALSE(params.at("_meta").as_object().contains("io.modelcontextprotocol/protocolVersion"));
}

TEST(LoadgenRequest, ModernEnvelopeMergesWithProgressToken) {
  LoadOptions o;
  o.era = Era::modern;
  o.progress = true;
  auto v = boost::json::parse(request_body(o, 3)).as_object();
  const auto& meta = v.at("params").at("_meta").as_object();
  EXPECT_EQ(meta.at("progressToken").as_int64(), 3);
  EXPECT_EQ(meta.at("io.modelcontextprotocol/protocolVersion").as_string(), kModernVersion);
  o.method = "tools/list";
  o.progress = false;
  auto list = boost::json::parse(request_body(o, 4)).as_object();
  EXPECT_FALSE(list.at("params").as_object().contains("name"));
  EXPECT_TRUE(list.at("params").as_object().contains("_meta"));
}

TEST(LoadgenRequest, HeadersPerEraAndConnectionMode) {
  LoadOptions o;
  o.host = "127.0.0.1";
  o.port = 9;
  o.new_connection = true;
  o.bearer = "tok";
  auto legacy = make_request(o, "{}", "sid", "tools/call");
  EXPECT_EQ(legacy[http::field::connection], "close");
  EXPECT_EQ(legacy["Mcp-Session-Id"], "sid");
  EXPECT_EQ(legacy[http::field::authorization], "Bearer tok");
  EXPECT_EQ(legacy["MCP-Protocol-Version"], kLegacyVersion);
  EXPECT_EQ(legacy[http::field::content_length], "2");
  o.era = Era::modern;
  o.new_connection = false;
  auto modern = make_request(o, "{}", "", "tools/call");
  EXPECT_EQ(modern[http::field::connection], "");
  EXPECT_EQ(modern["Mcp-Method"], "tools/call");
  EXPECT_EQ(modern["Mcp-Name"], "echo");
  EXPECT_EQ(modern["Mcp-Session-Id"], "");
}

TEST(LoadgenRequest, DeleteEndsTheLegacySession) {
  LoadOptions o;
  o.port = 9;
  o.bearer = "tok";
  auto del = make_delete(o, "sid-1");
  EXPECT_EQ(del.method(), http::verb::delete_);
  EXPECT_EQ(del.target(), "/mcp");
  EXPECT_EQ(del["Mcp-Session-Id"], "sid-1");
  EXPECT_EQ(del[http::field::authorization], "Bearer tok");
  EXPECT_EQ(del["MCP-Protocol-Version"], kLegacyVersion);
  EXPECT_TRUE(del.body().empty());
  EXPECT_TRUE(is_deleted(Response{http::status::no_content, 11}));
  EXPECT_TRUE(is_deleted(Response{http::status::ok, 11}));
  EXPECT_FALSE(is_deleted(Response{http::status::not_found, 11}));
  EXPECT_FALSE(is_deleted(Response{http::status::method_not_allowed, 11}));
}

TEST(LoadgenRequest, SuccessNeedsResultAndNoError) {
  Response ok{http::status::ok, 11};
  ok.body() = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n";
  EXPECT_TRUE(is_success(ok));
  Response err{http::status::ok, 11};
  err.body() = R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"x"}})";
  EXPECT_FALSE(is_success(err));
  Response refused{http::status::unauthorized, 11};
  refused.body() = R"({"result":{}})";
  EXPECT_FALSE(is_success(refused));
  Response empty{http::status::ok, 11};
  EXPECT_FALSE(is_success(empty));
}

}  // namespace
}  // namespace gatehouse::bench
