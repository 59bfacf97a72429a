#include "fga/dsl_parser.hpp"

#include <gtest/gtest.h>

#include "fga/model_json.hpp"

namespace gatehouse::fga {
namespace {

constexpr const char* kModel = R"(model
  schema 1.1   # trailing comment
type user
type group
  relations
    define member: [user, group#member, user:* with ip_ok]
type folder
  relations
    define owner: [user]
    define viewer: [user] or owner
type doc
  relations
    define parent: [folder]
    define blocked: [user]
    define editor: [user] and viewer from parent
    define viewer: ((editor or viewer from parent) and owner from parent) but not blocked
    define owner: owner from parent
    define member: [group#member]

condition ip_ok(addr: ipaddress, allowed: list<string>, m: map<int>) {
  addr.in_cidr("10.0.0.0/8") &&
  "x" in allowed
}
)";

TEST(DslParser, ParsesTypesRelationsAndOperators) {
  auto m = load_dsl(kModel);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->types.size(), 4u);
  const RelationDef* member = m->find_relation("group", "member");
  ASSERT_NE(member, nullptr);
  ASSERT_EQ(member->directly_related.size(), 3u);
  EXPECT_EQ(member->directly_related[1].relation, "member");
  EXPECT_TRUE(member->directly_related[2].wildcard);
  EXPECT_EQ(member->directly_related[2].condition, "ip_ok");

  const RelationDef* viewer = m->find_relation("doc", "viewer");
  ASSERT_NE(viewer, nullptr);
  ASSERT_EQ(viewer->rewrite.kind, RewriteKind::difference);
  const Rewrite& base = viewer->rewrite.children[0];
  ASSERT_EQ(base.kind, RewriteKind::intersection);
  EXPECT_EQ(base.children[0].kind, RewriteKind::union_of);
  EXPECT_EQ(base.children[0].children[1].kind, RewriteKind::tuple_to_userset);
  EXPECT_EQ(base.children[0].children[1].tupleset, "parent");
  EXPECT_EQ(base.children[0].children[1].relation, "viewer");
  EXPECT_EQ(viewer->rewrite.children[1].relation, "blocked");

  ASSERT_EQ(m->conditions.size(), 1u);
  const auto& c = m->conditions[0];
  EXPECT_EQ(c.expression, "addr.in_cidr(\"10.0.0.0/8\") &&\n  \"x\" in allowed");
  ASSERT_EQ(c.params.size(), 3u);
  EXPECT_EQ(c.params[0].type.name, "ipaddress");
  EXPECT_EQ(c.params[1].type.to_string(), "list<string>");
  EXPECT_EQ(c.params[2].type.to_string(), "map<int>");
}

TEST(DslParser, JsonRoundTrip) {
  auto m = load_dsl(kModel);
  ASSERT_TRUE(m.ok());
  auto j = to_json(*m);
  auto back = model_from_json(j);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(to_json(*back), j);
  const auto& td = j.at("type_definitions").as_array();
  EXPECT_TRUE(td[0].at("metadata").is_null());
  EXPECT_EQ(j.at("conditions").at("ip_ok").at("parameters").at("allowed").at("type_name"), "TYPE_NAME_LIST");
}

struct BadDsl {
  const char* text;
  const char* where;  // expected "line L, column C" in the message
};

class DslErrors : public ::testing::TestWithParam<BadDsl> {};

TEST_P(DslErrors, ReportsLineAndColumn) {
  auto m = parse_dsl(GetParam().text);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find(GetParam().where), std::string::npos) << m.error().message;
  EXPECT_EQ(m.error().code, Errc::bad_request);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, DslErrors,
    ::testing::Values(
        BadDsl{"", "line 1, column 1"},
        BadDsl{"type user\n", "line 1, column 1"},
        BadDsl{"model\n  schema 1.0\n", "line 2, column 10"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: [user\n", "line 5, column 20"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: [user] or\n", "line 5, column 24"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: [user] or b and c\n", "line 5"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: [user] but not b but not c\n", "line 5"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: (b\n", "line 5"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: b from\n", "line 5"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: [user:]\n", "line 5"},
        BadDsl{"model\n  schema 1.1\ntype user\n    define a: [user]\n", "line 4, column 5"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a [user]\n", "line 5, column 14"},
        BadDsl{"model\n  schema 1.1\ncondition c(x: foo) {\n x }\n", "line 3"},
        BadDsl{"model\n  schema 1.1\ncondition c(x: int) {\n x < 1\n", "line 3"},
        BadDsl{"model\n  schema 1.1\ncondition c(x: list) { x }\n", "line 3"},
        BadDsl{"model\n  schema 1.1\nmodule foo\n", "line 3, column 1"},
        BadDsl{"model\n  schema 1.1\nbogus\n", "line 3, column 1"},
        // `[...]` only as the leftmost operand (OpenFGA's relationDefNoDirect); the column is
        // the '['.
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: b from c or [user]\n",
               "line 5, column 27"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: b and [user]\n",
               "line 5, column 21"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: b but not [user]\n",
               "line 5, column 25"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: (b or [user])\n",
               "line 5, column 21"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: [user] or (b and [user])\n",
               "line 5, column 32"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: [user] or [user#a]\n",
               "line 5, column 25"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: b and ([user] or c)\n",
               "line 5, column 22"},
        // whitespace around operators is required, `but not` has one space, `:*` none
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: [user]or b\n",
               "line 5, column 21"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: [user] or(b)\n",
               "line 5, column 24"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: [user] but  not b\n",
               "line 5, column 22"},
        BadDsl{"model\n  schema 1.1\ntype user\n  relations\n    define a: [user: *]\n",
               "line 5, column 21"}));

// Found by fga_dsl_fuzz: unbounded '(' nesting overflowed the stack.
TEST(DslParser, NestingIsBounded) {
  std::string deep = "model\n  schema 1.1\ntype user\n  relations\n    define a: " +
                     std::string(100000, '(') + "a\n";
  auto m = parse_dsl(deep);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("nested too deeply"), std::string::npos) << m.error().message;
  std::string ok = "model\n  schema 1.1\ntype user\n  relations\n    define a: " +
                   std::string(20, '(') + "[user]" + std::string(20, ')') + "\n";
  EXPECT_TRUE(parse_dsl(ok).ok());
}

// The places OpenFGA's grammar does admit `[...]`: first, possibly inside leading parentheses.
TEST(DslParser, DirectAssignmentFirstOnly) {
  for (const char* expr : {"[user]", "([user])", "[user] or b", "[user] and b", "[user] but not b",
                           "([user] or b) and c", "(([user] or b) and c) but not d",
                           "[user] or b from c"}) {
    std::string dsl = std::string("model\n  schema 1.1\ntype user\n  relations\n    define a: ") +
                      expr + "\n";
    auto m = parse_dsl(dsl);
    ASSERT_TRUE(m.ok()) << expr << ": " << m.error().message;
    EXPECT_EQ(m->types[0].relations[0].directly_related.size(), 1u) << expr;
  }
}

struct InvalidModel {
  const char* text;
  const char* needle;
};

class ModelValidation : public ::testing::TestWithParam<InvalidModel> {};

TEST_P(ModelValidation, Rejects) {
  auto m = load_dsl(GetParam().text);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find(GetParam().needle), std::string::npos) << m.error().message;
}

#define HDR "model\n  schema 1.1\ntype user\n"
INSTANTIATE_TEST_SUITE_P(
    Rules, ModelValidation,
    ::testing::Values(
        InvalidModel{HDR "type doc\n  relations\n    define v: [folder]\n", "type 'folder' is not defined"},
        InvalidModel{HDR "type doc\n  relations\n    define v: [user#x]\n", "'user#x' is not defined"},
        InvalidModel{HDR "type doc\n  relations\n    define v: owner\n", "relation 'owner' is not defined"},
        InvalidModel{HDR "type doc\n  relations\n    define v: [user] or v from p\n", "tupleset relation 'p'"},
        InvalidModel{HDR "type doc\n  relations\n    define p: [doc] or q\n    define q: [doc]\n    define v: [user] or v from p\n",
                     "directly assignable only"},
        InvalidModel{HDR "type doc\n  relations\n    define p: [doc#v]\n    define v: [user] or v from p\n",
                     "usersets or wildcards"},
        InvalidModel{HDR "type doc\n  relations\n    define p: [user]\n    define v: [user] or v from p\n",
                     "not defined on any type of 'p'"},
        InvalidModel{HDR "type doc\n  relations\n    define v: v\n", "no entrypoint"},
        InvalidModel{HDR "type doc\n  relations\n    define a: b\n    define b: a\n", "no entrypoint"},
        InvalidModel{HDR "type doc\n  relations\n    define a: [user] and b\n    define b: [user] and a\n", "no entrypoint"},
        InvalidModel{HDR "type user\n", "defined twice"},
        InvalidModel{HDR "type doc\n  relations\n    define a: [user]\n    define a: [user]\n", "defined twice"},
        InvalidModel{HDR "type doc\n  relations\n    define a: [user with c]\n", "condition 'c' is not defined"},
        InvalidModel{HDR "type doc\n  relations\n    define a: [user]\ncondition c(x: int) {\n x < 1\n}\n", "never used"},
        InvalidModel{HDR "type doc\n  relations\n    define a: [user, user]\n", "listed twice"}));

TEST(ModelJson, RejectsMalformed) {
  for (const char* text : {"", "[]", "{\"schema_version\":\"1.1\"}",
                           "{\"schema_version\":\"1.1\",\"type_definitions\":[{\"type\":\"d\",\"relations\":{\"v\":{}}}]}",
                           "{\"schema_version\":\"1.1\",\"type_definitions\":[{\"type\":\"d\",\"relations\":{\"v\":{\"union\":{}}}}]}",
                           "{\"schema_version\":\"1.1\",\"type_definitions\":[],\"conditions\":{\"c\":{\"expression\":\"x\",\"parameters\":{\"x\":{\"type_name\":\"TYPE_NAME_NOPE\"}}}}}"}) {
    EXPECT_FALSE(model_from_json_text(text).ok()) << text;
  }
}

}  // namespace
}  // namespace gatehouse::fga
