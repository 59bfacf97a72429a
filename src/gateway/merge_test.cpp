#include "gateway/merge.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "gateway/sealed_box.hpp"

namespace gatehouse::gateway {
namespace {
namespace json = boost::json;

json::object obj(std::string_view s) { return json::parse(s).as_object(); }

TEST(Merge, CapabilitiesUnionAndFlags) {
  auto a = obj(R"({"capabilities":{"tools":{"listChanged":false},"logging":{},
                  "experimental":{"x":{"a":1}}}})");
  auto b = obj(R"({"capabilities":{"tools":{"listChanged":true},
                  "resources":{"subscribe":true,"listChanged":false},
                  "experimental":{"x":{"a":2,"b":3},"y":{}}}})");
  auto c = obj(R"({"capabilities":"garbage"})");
  std::vector<TargetAnswer> answers = {{"a", &a}, {"b", &b}, {"c", &c}, {"d", nullptr}};
  auto caps = merge_capabilities(answers);
  EXPECT_EQ(caps.at("tools").at("listChanged"), true);
  EXPECT_EQ(caps.at("resources").at("subscribe"), true);
  EXPECT_EQ(caps.at("resources").at("listChanged"), false);
  EXPECT_TRUE(caps.contains("logging"));
  EXPECT_FALSE(caps.contains("prompts"));
  EXPECT_EQ(caps.at("experimental").at("x").at("a"), 1);  // first wins
  EXPECT_EQ(caps.at("experimental").at("x").at("b"), 3);
  EXPECT_TRUE(caps.at("experimental").as_object().contains("y"));
}

TEST(Merge, CapabilitiesEmpty) {
  EXPECT_TRUE(merge_capabilities({}).empty());
}

TEST(Merge, ProtocolVersionIsHighestCommon) {
  std::vector<std::string_view> supported = {"2024-11-05", "2025-03-26", "2025-06-18",
                                             "2025-11-25"};
  std::vector<std::string> t1 = {"2025-11-25", "2025-06-18"};
  EXPECT_EQ(choose_protocol_version("2025-11-25", t1, supported), "2025-06-18");
  std::vector<std::string> t2 = {"2025-11-25"};
  EXPECT_EQ(choose_protocol_version("2025-06-18", t2, supported), "2025-06-18");
  EXPECT_EQ(choose_protocol_version("2099-01-01", t2, supported), "2025-11-25");
  std::vector<std::string> none;
  EXPECT_EQ(choose_protocol_version("2025-11-25", none, supported), "2025-11-25");
  std::vector<std::string> old = {"2023-01-01"};
  EXPECT_FALSE(choose_protocol_version("2025-11-25", old, supported));
  // A target answering an unknown version between known ones: the next lower known one.
  std::vector<std::string> odd = {"2025-07-01"};
  EXPECT_EQ(choose_protocol_version("2025-11-25", odd, supported), "2025-06-18");
}

TEST(Merge, InitializeInstructions) {
  auto a = obj(R"({"capabilities":{},"instructions":"use echo"})");
  auto b = obj(R"({"capabilities":{"tools":{}}})");
  auto c = obj(R"({"capabilities":{},"instructions":"tell time"})");
  std::vector<TargetAnswer> three = {{"echo", &a}, {"x", &b}, {"time", &c}};
  auto r = merge_initialize(three, "2025-06-18", "gatehouse", "0.1.0");
  EXPECT_EQ(r.at("protocolVersion"), "2025-06-18");
  EXPECT_EQ(r.at("serverInfo").at("name"), "gatehouse");
  EXPECT_EQ(r.at("instructions"), "## echo\nuse echo\n\n## time\ntell time");
  std::vector<TargetAnswer> one = {{"echo", &a}};
  EXPECT_EQ(merge_initialize(one, "v", "g", "1").at("instructions"), "use echo");
  std::vector<TargetAnswer> none_with = {{"x", &b}};
  EXPECT_FALSE(merge_initialize(none_with, "v", "g", "1").contains("instructions"));
}

TEST(Merge, ListKinds) {
  EXPECT_EQ(list_kind("tools/list"), ListKind::tools);
  EXPECT_EQ(list_kind("resources/templates/list"), ListKind::resource_templates);
  EXPECT_FALSE(list_kind("tools/call"));
  EXPECT_EQ(list_member(ListKind::resource_templates), "resourceTemplates");
}

TEST(Merge, ToolsPrefixed) {
  auto a = obj(R"({"tools":[{"name":"echo","inputSchema":{}},{"name":"add"}]})");
  auto b = obj(R"({"tools":[{"name":"echo"},{"noname":1},7]})");
  std::vector<TargetAnswer> answers = {{"e", &a}, {"t", &b}};
  auto tools = merge_list(ListKind::tools, answers, true, nullptr);
  ASSERT_EQ(tools.size(), 3u);
  EXPECT_EQ(tools[0].at("name"), "e_echo");
  EXPECT_TRUE(tools[0].as_object().contains("inputSchema"));
  EXPECT_EQ(tools[1].at("name"), "e_add");
  EXPECT_EQ(tools[2].at("name"), "t_echo");
}

TEST(Merge, CollisionsFirstTargetWins) {
  auto a = obj(R"({"tools":[{"name":"echo","description":"from a"}]})");
  auto b = obj(R"({"tools":[{"name":"echo","description":"from b"},{"name":"only_b"}]})");
  std::vector<TargetAnswer> answers = {{"a", &a}, {"b", &b}};
  std::vector<Collision> collisions;
  auto tools = merge_list(ListKind::tools, answers, false, &collisions);
  ASSERT_EQ(tools.size(), 2u);
  EXPECT_EQ(tools[0].at("description"), "from a");
  EXPECT_EQ(tools[1].at("name"), "only_b");
  ASSERT_EQ(collisions.size(), 1u);
  EXPECT_EQ(collisions[0].name, "echo");
  EXPECT_EQ(collisions[0].kept_target, "a");
  EXPECT_EQ(collisions[0].dropped_target, "b");
}

TEST(Merge, ResourcesAndTemplatesWrapped) {
  auto a = obj(R"({"resources":[{"uri":"file:///x","name":"x"}]})");
  auto t = obj(R"({"resourceTemplates":[{"uriTemplate":"file:///{p}","name":"p"}]})");
  std::vector<TargetAnswer> ra = {{"fs", &a}};
  auto rs = merge_list(ListKind::resources, ra, true, nullptr);
  EXPECT_EQ(rs[0].at("uri"), "fs+file:///x");
  EXPECT_EQ(rs[0].at("name"), "x");
  std::vector<TargetAnswer> ta = {{"fs", &t}};
  auto ts = merge_list(ListKind::resource_templates, ta, true, nullptr);
  EXPECT_EQ(ts[0].at("uriTemplate"), "fs+file:///{p}");
  EXPECT_EQ(merge_list(ListKind::resources, ra, false, nullptr)[0].at("uri"), "file:///x");
}

TEST(Merge, CursorRoundTrip) {
  ListCursor c = {{"echo", ""}, {"time", "page-2 token/+="}};
  auto text = encode_list_cursor(c);
  EXPECT_EQ(text.find_first_of("+/="), std::string::npos);
  auto back = decode_list_cursor(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, c);
}

TEST(Merge, CursorRejectsMalformed) {
  for (std::string_view bad : {"", "!!", "e30", /* {} */ "W10", /* [] */
                               "W1siYSJdXQ", /* [["a"]] */ "W1siYV9iIiwiIl1d" /* [["a_b",""]] */,
                               "W1sxLCIiXV0" /* [[1,""]] */}) {
    EXPECT_FALSE(decode_list_cursor(bad)) << bad;
  }
  EXPECT_FALSE(decode_list_cursor(std::string(9000, 'A')));
  EXPECT_TRUE(decode_list_cursor(base64url_encode(R"([["a",""]])")));
}

}  // namespace
}  // namespace gatehouse::gateway
