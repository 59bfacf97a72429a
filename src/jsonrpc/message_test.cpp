#include "jsonrpc/message.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace gatehouse::jsonrpc {
namespace {

TEST(JsonRpcParse, Request) {
  auto m = parse(R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"x"}})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, Kind::request);
  EXPECT_EQ(m->id.as_int64(), 7);
  EXPECT_EQ(m->method, "tools/list");
  EXPECT_EQ(m->params_object().at("cursor").as_string(), "x");
}

TEST(JsonRpcParse, StringIdAndNotification) {
  auto r = parse(R"({"jsonrpc":"2.0","id":"a-1","method":"ping"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id.as_string(), "a-1");
  EXPECT_TRUE(r->params_object().empty());
  auto n = parse(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(n->is_notification());
  EXPECT_TRUE(n->id.is_null());
}

TEST(JsonRpcParse, ResponseAndError) {
  auto r = parse(R"({"jsonrpc":"2.0","id":1,"result":{}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, Kind::response);
  auto e = parse(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"bad"}})");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->kind, Kind::error);
  EXPECT_EQ(e->error.at("code").as_int64(), -32600);
}

TEST(JsonRpcParse, MalformedJsonIsParseError) {
  for (const char* text : {"", "{", R"({"jsonrpc":"2.0","id":1,"method":)", "nul", "{\"a\":1}}"}) {
    auto m = parse(text);
    ASSERT_FALSE(m.ok()) << text;
    EXPECT_EQ(m.error().code, Errc::parse_error) << text;
    EXPECT_EQ(jsonrpc_code(m.error().code), kParseError);
  }
}

TEST(JsonRpcParse, InvalidRequests) {
  const char* cases[] = {
      R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])",          // batch
      R"([])",                                                  // empty batch
      R"("just a string")",                                     // not an object
      R"({"id":1,"method":"ping"})",                            // no jsonrpc
      R"({"jsonrpc":"1.0","id":1,"method":"ping"})",            // wrong version
      R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})",          // fractional id
      R"({"jsonrpc":"2.0","id":{},"method":"ping"})",           // object id
      R"({"jsonrpc":"2.0","id":1,"method":5})",                 // method not a string
      R"({"jsonrpc":"2.0","id":1,"method":""})",                // empty method
      R"({"jsonrpc":"2.0","id":1,"method":"x","params":3})",    // scalar params
      R"({"jsonrpc":"2.0","id":1})",                            // neither result nor error
      R"({"jsonrpc":"2.0","id":1,"result":1,"error":{}})",      // both
      R"({"jsonrpc":"2.0","result":1})",                        // response without id
      R"({"jsonrpc":"2.0","id":1,"error":"x"})",                // error not an object
      R"({"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}})",
      R"({"jsonrpc":"2.0","id":1,"method":"x","result":1})",    // request with result
  };
  for (const char* text : cases) {
    auto m = parse(text);
    ASSERT_FALSE(m.ok()) << text;
    EXPECT_EQ(m.error().code, Errc::invalid_request) << text;
  }
}

TEST(JsonRpcSerialize, RoundTrip) {
  auto m = parse(R"({"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"echo"}})");
  ASSERT_TRUE(m.ok());
  auto again = parse(serialize(*m));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->method, "tools/call");
  EXPECT_EQ(again->id, m->id);
}

TEST(JsonRpcBuild, ErrorResponse) {
  auto o = error_response(3, kMethodNotFound, "Method not found", json::object{{"m", "x"}});
  EXPECT_EQ(o.at("id").as_int64(), 3);
  EXPECT_EQ(o.at("error").at("code").as_int64(), -32601);
  EXPECT_EQ(o.at("error").at("data").at("m").as_string(), "x");
  auto e = error_response(nullptr, Error(Errc::invalid_params, "bad args"));
  EXPECT_EQ(e.at("error").at("code").as_int64(), -32602);
  EXPECT_TRUE(e.at("id").is_null());
}

TEST(JsonRpcBuild, IdOf) {
  EXPECT_EQ(id_of(json::parse(R"({"id":4,"method":5})")).as_int64(), 4);
  EXPECT_TRUE(id_of(json::parse(R"({"id":[1]})")).is_null());
  EXPECT_TRUE(id_of(json::parse("[1]")).is_null());
}

}  // namespace
}  // namespace gatehouse::jsonrpc
