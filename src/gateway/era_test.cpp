#include "gateway/era.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace gatehouse::gateway {
namespace {
namespace json = boost::json;

json::object msg(std::string_view text) { return json::parse(text).as_object(); }

const char* kCall =
    R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{},)"
    R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})";

EraHeaders modern_headers(std::string_view method, std::string_view name) {
  return EraHeaders{"2026-07-28", method, name, true, !name.empty()};
}

TEST(Era, SessionEraMessagesAreLegacy) {
  Era era = Era::modern;
  EXPECT_FALSE(classify_era({}, msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"), era));
  EXPECT_EQ(era, Era::legacy);
  EXPECT_FALSE(classify_era(EraHeaders{"2025-11-25"}, msg(R"({"jsonrpc":"2.0","id":1,"method":"ping"})"), era));
  EXPECT_EQ(era, Era::legacy);
  EXPECT_FALSE(classify_era(EraHeaders{"2026-07-28"},
                            msg(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})"), era));
  EXPECT_EQ(era, Era::legacy);
  EXPECT_FALSE(classify_era(EraHeaders{"2026-07-28"}, msg(R"({"jsonrpc":"2.0","id":1,"result":{}})"), era));
  EXPECT_EQ(era, Era::legacy);
}

TEST(Era, ConsistentModernRequestPasses) {
  Era era = Era::legacy;
  EXPECT_FALSE(classify_era(modern_headers("tools/call", "echo"), msg(kCall), era));
  EXPECT_EQ(era, Era::modern);
}

TEST(Era, HeaderBodyMismatchesAreRefused) {
  Era era;
  auto r = classify_era(modern_headers("tools/list", "echo"), msg(kCall), era);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, kHeaderMismatch);
  r = classify_era(modern_headers("tools/call", "other"), msg(kCall), era);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, kHeaderMismatch);
  r = classify_era(modern_headers("tools/call", ""), msg(kCall), era);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, kHeaderMismatch);
  r = classify_era(EraHeaders{"2026-07-28", {}, "echo", false, true}, msg(kCall), era);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, kHeaderMismatch);
  auto h = modern_headers("tools/call", "echo");
  h.protocol_version = "2025-11-25";
  r = classify_era(h, msg(kCall), era);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, kHeaderMismatch);
}

TEST(Era, EnvelopeProblems) {
  Era era;
  auto r = classify_era(EraHeaders{"2026-07-28", "tools/list", {}, true, false},
                        msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"), era);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, -32602);
  r = classify_era({}, msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01"}}})"), era);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, kUnsupportedVersion);
  EXPECT_EQ(r->data.at("requested").as_string(), "2099-01-01");
  r = classify_era({}, msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":7}}})"), era);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, -32602);
  // A modern notification needs no envelope, only a consistent header.
  EXPECT_FALSE(classify_era(EraHeaders{"2026-07-28", "notifications/cancelled", {}, true, false},
                            msg(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})"), era));
  EXPECT_EQ(era, Era::modern);
}

}  // namespace
}  // namespace gatehouse::gateway
