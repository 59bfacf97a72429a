#include "mcp/protocol.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace gatehouse::mcp {
namespace {

json::value modern_body(std::string_view method, std::string_view version = kModernVersion,
                        json::object params = {}) {
  params["_meta"] = json::object{{kMetaProtocolVersion, version}};
  return json::object{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
}

jsonrpc::Message msg(const json::value& v) {
  auto m = jsonrpc::from_value(v);
  EXPECT_TRUE(m.ok());
  return *m;
}

TEST(Versions, Negotiation) {
  EXPECT_EQ(negotiate_session_version("2025-06-18"), "2025-06-18");
  EXPECT_EQ(negotiate_session_version("1999-01-01"), "2025-11-25");
  EXPECT_TRUE(is_modern_version("2026-07-28"));
  EXPECT_FALSE(is_modern_version("2025-11-25"));
  EXPECT_TRUE(looks_modern("2099-01-01"));
  EXPECT_FALSE(looks_modern("2025-11-25"));
  EXPECT_FALSE(looks_modern("garbage"));
}

TEST(Classify, Eras) {
  RequestHeaders none;
  EXPECT_EQ(classify(none, json::parse(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})")), Era::session);
  EXPECT_EQ(classify(none, modern_body("tools/list")), Era::modern);
  EXPECT_EQ(classify(none, modern_body("tools/list", "2099-01-01")), Era::modern);
  EXPECT_EQ(classify(none, json::parse("[1,2]")), Era::session);
  EXPECT_EQ(classify(none, nullptr), Era::session);
  EXPECT_EQ(classify(none, json::parse(R"({"jsonrpc":"2.0","id":1,"result":{}})")), Era::session);
  RequestHeaders modern{"2026-07-28", std::nullopt, std::nullopt};
  EXPECT_EQ(classify(modern, json::parse(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})")), Era::modern);
  RequestHeaders session{"2025-11-25", std::nullopt, std::nullopt};
  EXPECT_EQ(classify(session, json::parse(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})")), Era::session);
}

TEST(CheckModern, AcceptsMatchingRequest) {
  RequestHeaders h{"2026-07-28", "tools/call", "echo"};
  EXPECT_FALSE(check_modern_request(h, msg(modern_body("tools/call", kModernVersion, {{"name", "echo"}}))));
  RequestHeaders r{"2026-07-28", "resources/read", "test://x"};
  EXPECT_FALSE(check_modern_request(r, msg(modern_body("resources/read", kModernVersion, {{"uri", "test://x"}}))));
}

TEST(CheckModern, Mismatches) {
  auto body = msg(modern_body("tools/list"));
  auto wrong_method = check_modern_request({"2026-07-28", "prompts/list", std::nullopt}, body);
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->code, kHeaderMismatch);
  EXPECT_EQ(wrong_method->http_status, 400);
  auto missing_method = check_modern_request({"2026-07-28", std::nullopt, std::nullopt}, body);
  ASSERT_TRUE(missing_method);
  EXPECT_EQ(missing_method->code, kHeaderMismatch);
  auto missing_version = check_modern_request({std::nullopt, "tools/list", std::nullopt}, body);
  ASSERT_TRUE(missing_version);
  EXPECT_EQ(missing_version->code, kHeaderMismatch);
  auto call = msg(modern_body("tools/call", kModernVersion, {{"name", "echo"}}));
  auto wrong_name = check_modern_request({"2026-07-28", "tools/call", "other"}, call);
  ASSERT_TRUE(wrong_name);
  EXPECT_EQ(wrong_name->code, kHeaderMismatch);
  EXPECT_TRUE(check_modern_request({"2026-07-28", "tools/call", std::nullopt}, call));
  auto init = check_modern_request({"2026-07-28", "initialize", std::nullopt}, msg(modern_body("initialize")));
  ASSERT_TRUE(init);
  EXPECT_EQ(init->code, kHeaderMismatch);
}

TEST(CheckModern, UnsupportedVersionListsSupported) {
  auto r = check_modern_request({"2099-01-01", "tools/list", std::nullopt}, msg(modern_body("tools/list", "2099-01-01")));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, kUnsupportedProtocolVersion);
  EXPECT_EQ(r->data.at("supported").as_array().at(0).as_string(), "2026-07-28");
  EXPECT_EQ(r->data.at("requested").as_string(), "2099-01-01");
}

TEST(CheckModern, MissingOrMalformedEnvelope) {
  auto plain = msg(json::parse(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
  auto r = check_modern_request({"2026-07-28", "tools/list", std::nullopt}, plain);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, jsonrpc::kInvalidParams);
  auto bad = msg(json::parse(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":5}}})"));
  auto b = check_modern_request({"2026-07-28", "tools/list", std::nullopt}, bad);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->code, jsonrpc::kInvalidParams);
}

TEST(HeaderValue, Base64Sentinel) {
  EXPECT_EQ(decode_header_value("echo"), "echo");
  EXPECT_EQ(decode_header_value("=?base64?aMOpbGxv?="), "h\xc3\xa9llo");
  EXPECT_EQ(decode_header_value("=?base64?YQ==?="), "a");
  EXPECT_FALSE(decode_header_value("=?base64?abc?="));    // not a multiple of 4
  EXPECT_FALSE(decode_header_value("=?base64?a$b!?="));   // not base64
  auto call = msg(modern_body("tools/call", kModernVersion, {{"name", "h\xc3\xa9llo"}}));
  EXPECT_FALSE(check_modern_request({"2026-07-28", "tools/call", "=?base64?aMOpbGxv?="}, call));
}

}  // namespace
}  // namespace gatehouse::mcp
