#include "fga/engine.hpp"

#include <gtest/gtest.h>

#include "fga/dsl_parser.hpp"
#include "fga/memory_store.hpp"

namespace gatehouse::fga {
namespace {

constexpr const char* kModel = R"(model
  schema 1.1
type user
type group
  relations
    define member: [user, user:*, group#member]
type folder
  relations
    define owner: [user]
    define viewer: [user, group#member] or owner
type doc
  relations
    define parent: [folder]
    define blocked: [user]
    define allowed: [user with small]
    define editor: [user]
    define viewer: ([user, user:*] or editor or viewer from parent) but not blocked
    define both: editor and viewer
    define limited: allowed
condition small(x: int) {
  x < 100
}
)";

Tuple T(std::string user, std::string relation, std::string object, std::string cond = {},
        boost::json::object ctx = {}) {
  return Tuple{{std::move(object), std::move(relation), std::move(user)}, std::move(cond), std::move(ctx)};
}

// A stand-in for CEL: `x < 100` over an int parameter, enough to test the plumbing.
Result<bool> small_condition(const ConditionDef& c, const boost::json::object& params) {
  EXPECT_EQ(c.name, "small");
  const auto* x = params.if_contains("x");
  if (!x) return fga_error(FgaCode::validation_error, "missing context parameter x");
  return x->to_number<std::int64_t>() < 100;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = load_dsl(kModel);
    ASSERT_TRUE(m.ok()) << m.error().message;
    model_ = std::make_shared<const Model>(std::move(*m));
    std::vector<Tuple> ts = {
        T("user:anne", "owner", "folder:f"),      T("group:eng#member", "viewer", "folder:f"),
        T("user:bob", "member", "group:eng"),     T("group:sub#member", "member", "group:eng"),
        T("user:carl", "member", "group:sub"),    T("folder:f", "parent", "doc:1"),
        T("user:carl", "blocked", "doc:1"),       T("user:*", "viewer", "doc:pub"),
        T("user:dan", "editor", "doc:2"),         T("user:dan", "allowed", "doc:3", "small"),
        T("user:eve", "allowed", "doc:4", "small", {{"x", 500}}),
    };
    ASSERT_TRUE(store_.write(ts, {}).ok());
  }
  Result<bool> check(const std::string& u, const std::string& r, const std::string& o, QueryContext q = {}) {
    Engine e(model_, store_, small_condition);
    return e.check(CheckRequest{{o, r, u}, std::move(q)});
  }
  ModelPtr model_;
  MemoryStore store_;
};

TEST_F(EngineTest, DirectComputedUsersetAndTupleToUserset) {
  EXPECT_TRUE(*check("user:anne", "viewer", "folder:f"));  // computed from owner
  EXPECT_TRUE(*check("user:anne", "viewer", "doc:1"));     // viewer from parent
  EXPECT_TRUE(*check("user:bob", "viewer", "doc:1"));      // parent -> group userset
  EXPECT_FALSE(*check("user:carl", "viewer", "doc:1"));    // nested member but blocked
  EXPECT_TRUE(*check("user:carl", "viewer", "folder:f"));  // nested group
  EXPECT_FALSE(*check("user:zed", "viewer", "doc:1"));
  EXPECT_TRUE(*check("group:eng#member", "viewer", "folder:f"));
  EXPECT_TRUE(*check("group:eng#member", "member", "group:eng"));  // a userset contains itself
}

TEST_F(EngineTest, WildcardIntersectionExclusion) {
  EXPECT_TRUE(*check("user:anyone", "viewer", "doc:pub"));
  EXPECT_FALSE(*check("user:anyone", "viewer", "doc:2"));
  EXPECT_TRUE(*check("user:dan", "both", "doc:2"));
  EXPECT_FALSE(*check("user:anne", "both", "doc:1"));  // viewer but not editor
}

TEST_F(EngineTest, ConditionsUseRequestAndTupleContext) {
  auto missing = check("user:dan", "limited", "doc:3");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(fga_code(missing.error()), 2000);
  EXPECT_TRUE(*check("user:dan", "limited", "doc:3", QueryContext{{}, {{"x", 5}}}));
  EXPECT_FALSE(*check("user:dan", "limited", "doc:3", QueryContext{{}, {{"x", 500}}}));
  // The tuple's own context wins over the request's.
  EXPECT_FALSE(*check("user:eve", "limited", "doc:4", QueryContext{{}, {{"x", 5}}}));
}

TEST_F(EngineTest, ContextualTuplesAreValidatedAndUsed) {
  QueryContext q;
  q.contextual_tuples.push_back(T("user:zed", "editor", "doc:9"));
  EXPECT_TRUE(*check("user:zed", "viewer", "doc:9", q));
  EXPECT_FALSE(*check("user:zed", "viewer", "doc:9"));
  QueryContext bad;
  bad.contextual_tuples.push_back(T("folder:x", "editor", "doc:9"));
  auto r = check("user:zed", "viewer", "doc:9", bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(fga_code(r.error()), 2027);
}

TEST_F(EngineTest, RequestValidation) {
  for (auto [u, r, o] : {std::tuple{"user:a", "viewer", "nope:1"}, std::tuple{"user:a", "nope", "doc:1"},
                         std::tuple{"nope:a", "viewer", "doc:1"}, std::tuple{"a:b:c", "viewer", "doc:1"},
                         std::tuple{"user:a", "viewer", "doc"}, std::tuple{"doc:1#nope", "viewer", "doc:1"}}) {
    auto res = check(u, r, o);
    ASSERT_FALSE(res.ok()) << u << " " << r << " " << o;
    EXPECT_EQ(fga_code(res.error()), 2000);
  }
}

TEST_F(EngineTest, ListObjectsAndUsers) {
  Engine e(model_, store_, small_condition);
  auto objs = e.list_objects("doc", "viewer", "user:bob");
  ASSERT_TRUE(objs.ok());
  EXPECT_EQ(*objs, (std::vector<std::string>{"doc:1", "doc:pub"}));
  std::vector<UserFilter> users{{"user", ""}};
  auto us = e.list_users("folder:f", "viewer", users);
  ASSERT_TRUE(us.ok());
  EXPECT_EQ(*us, (std::vector<std::string>{"user:anne", "user:bob", "user:carl"}));
  auto pub = e.list_users("doc:pub", "viewer", users);
  EXPECT_EQ(*pub, (std::vector<std::string>{"user:*"}));
  std::vector<UserFilter> groups{{"group", "member"}};
  auto gs = e.list_users("folder:f", "viewer", groups);
  EXPECT_EQ(*gs, (std::vector<std::string>{"group:eng#member", "group:sub#member"}));
  EXPECT_EQ(fga_code(e.list_objects("nope", "viewer", "user:a").error()), 2021);
  EXPECT_EQ(fga_code(e.list_objects("doc", "nope", "user:a").error()), 2022);
}

TEST_F(EngineTest, BatchCheckKeepsPerItemErrors) {
  Engine e(model_, store_, small_condition);
  std::vector<CheckRequest> reqs{{{"folder:f", "viewer", "user:anne"}, {}},
                                 {{"folder:f", "nope", "user:anne"}, {}},
                                 {{"doc:2", "viewer", "user:anne"}, {}}};
  auto out = e.batch_check(reqs);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[0].ok() && *out[0]);
  EXPECT_FALSE(out[1].ok());
  EXPECT_TRUE(out[2].ok() && !*out[2]);
}

TEST_F(EngineTest, ExpandShowsOneLevel) {
  Engine e(model_, store_);
  auto t = e.expand("folder:f", "viewer");
  ASSERT_TRUE(t.ok());
  const auto& root = t->at("tree").at("root");
  EXPECT_EQ(root.at("name"), "folder:f#viewer");
  const auto& nodes = root.at("union").at("nodes").as_array();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].at("leaf").at("users").at("users").as_array()[0], "group:eng#member");
  EXPECT_EQ(nodes[1].at("leaf").at("computed").at("userset"), "folder:f#owner");
}

TEST(EngineLimits, DepthLimitAndCycles) {
  std::string dsl = "model\n  schema 1.1\ntype user\ntype r\n  relations\n    define a0: [user]\n";
  for (int i = 1; i <= 30; ++i)
    dsl += "    define a" + std::to_string(i) + ": [r#a" + std::to_string(i - 1) + "]\n";
  dsl += "    define loop: [user, r#loop]\n";
  auto m = load_dsl(dsl);
  ASSERT_TRUE(m.ok()) << m.error().message;
  auto model = std::make_shared<const Model>(std::move(*m));
  MemoryStore store;
  std::vector<Tuple> ts{T("user:u", "a0", "r:1"), T("r:1#loop", "loop", "r:2"), T("r:2#loop", "loop", "r:1")};
  for (int i = 1; i <= 30; ++i)
    ts.push_back(T("r:1#a" + std::to_string(i - 1), "a" + std::to_string(i), "r:1"));
  ASSERT_TRUE(store.write(ts, {}).ok());
  Engine e(model, store);
  EXPECT_TRUE(*e.check({{"r:1", "a20", "user:u"}, {}}));
  auto deep = e.check({{"r:1", "a30", "user:u"}, {}});
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(fga_code(deep.error()), 2002);
  auto cyc = e.check({{"r:1", "loop", "user:u"}, {}});
  ASSERT_TRUE(cyc.ok());
  EXPECT_FALSE(*cyc);
}

TEST(EngineModels, TuplesFromAnOlderModelAreIgnored) {
  auto m1 = load_dsl("model\n  schema 1.1\ntype user\ntype group\n  relations\n    define member: [user]\n"
                     "type doc\n  relations\n    define viewer: [user, group#member]\n");
  auto m2 = load_dsl("model\n  schema 1.1\ntype user\ntype group\n  relations\n    define member: [user]\n"
                     "type doc\n  relations\n    define viewer: [user]\n");
  ASSERT_TRUE(m1.ok() && m2.ok());
  MemoryStore store;
  std::vector<Tuple> ts{T("group:g#member", "viewer", "doc:1"), T("user:a", "member", "group:g")};
  ASSERT_TRUE(store.write(ts, {}).ok());
  Engine e1(std::make_shared<const Model>(*m1), store);
  Engine e2(std::make_shared<const Model>(*m2), store);
  EXPECT_TRUE(*e1.check({{"doc:1", "viewer", "user:a"}, {}}));
  EXPECT_FALSE(*e2.check({{"doc:1", "viewer", "user:a"}, {}}));
}

}  // namespace
}  // namespace gatehouse::fga
