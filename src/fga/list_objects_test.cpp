// ListObjects by reverse expansion against the forward scan (every object checked), on the
// shapes where walking backwards is easy to get wrong.
#include "fga/list_objects.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>

#include "fga/dsl_parser.hpp"
#include "fga/engine.hpp"
#include "fga/memory_store.hpp"
#include "fga/sqlite_store.hpp"

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
    define parent: [folder]
    define owner: [user, group#member]
    define viewer: [user, user:*, group#member] or owner or viewer from parent
type doc
  relations
    define parent: [folder]
    define blocked: [user, group#member]
    define editor: [user, group#member with small]
    define viewer: [user, user:*, group#member, user with small] or editor or viewer from parent
    define can_read: viewer but not blocked
    define both: editor and viewer
    define limited: [user with small]
    define owner_or_blocked: owner from parent or blocked
condition small(x: int) {
  x < 100
}
)";

Tuple T(std::string user, std::string relation, std::string object, std::string cond = {},
        boost::json::object ctx = {}) {
  return Tuple{{std::move(object), std::move(relation), std::move(user)}, std::move(cond), std::move(ctx)};
}

Result<bool> small_condition(const ConditionDef&, const boost::json::object& params) {
  const auto* x = params.if_contains("x");
  if (!x) return fga_error(FgaCode::validation_error, "missing context parameter x");
  return x->to_number<std::int64_t>() < 100;
}

// Forwards to a store and counts the forward scan's reads (objects_of_type).
class CountingStore final : public TupleStore {
 public:
  explicit CountingStore(TupleStore& s) : s_(s) {}
  Status write(std::span<const Tuple> w, std::span<const TupleKey> d) override { return s_.write(w, d); }
  Status for_each(std::string_view o, std::string_view r, Users which,
                  const std::function<bool(const Tuple&)>& fn) const override {
    return s_.for_each(o, r, which, fn);
  }
  Result<std::optional<Tuple>> find(const TupleKey& k) const override { return s_.find(k); }
  Result<std::vector<Tuple>> read(const TupleKey& f) const override { return s_.read(f); }
  Result<std::vector<std::string>> objects_of_type(std::string_view type) const override {
    ++scans;
    return s_.objects_of_type(type);
  }
  Status for_each_by_user(std::string_view t, std::string_view r, std::string_view u,
                          const std::function<bool(const Tuple&)>& fn) const override {
    return s_.for_each_by_user(t, r, u, fn);
  }
  mutable std::atomic<int> scans{0};

 private:
  TupleStore& s_;
};

using V = std::vector<std::string>;

class ListObjectsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = load_dsl(kModel);
    ASSERT_TRUE(m.ok()) << m.error().message;
    model_ = std::make_shared<const Model>(std::move(*m));
  }
  void write(std::vector<Tuple> ts) { ASSERT_TRUE(store_.write(ts, {}).ok()); }
  // The reverse answer; checks that it needed no scan and that the scan agrees.
  V list(const std::string& type, const std::string& rel, const std::string& user, QueryContext q = {}) {
    Engine e(model_, counting_, small_condition);
    int before = counting_.scans;
    auto got = e.list_objects(type, rel, user, q);
    EXPECT_EQ(counting_.scans, before) << "fell back to the scan";
    auto want = e.list_objects_scan(type, rel, user, q);
    if (!got.ok()) {
      ADD_FAILURE() << got.error().message;
      return {};
    }
    EXPECT_TRUE(want.ok());
    if (want.ok()) EXPECT_EQ(*got, *want) << "reverse and scan differ for " << user << " " << rel << " " << type;
    return *got;
  }
  ModelPtr model_;
  MemoryStore store_;
  CountingStore counting_{store_};
};

TEST_F(ListObjectsTest, TupleToUsersetThroughSeveralLevels) {
  write({T("folder:f1", "parent", "folder:f2"), T("folder:f2", "parent", "folder:f3"),
         T("folder:f3", "parent", "folder:f4"), T("folder:f4", "parent", "doc:d"), T("folder:f2", "parent", "doc:e"),
         T("user:a", "viewer", "folder:f1"), T("user:b", "owner", "folder:f3"), T("folder:other", "parent", "doc:x")});
  EXPECT_EQ(list("folder", "viewer", "user:a"), (V{"folder:f1", "folder:f2", "folder:f3", "folder:f4"}));
  EXPECT_EQ(list("doc", "viewer", "user:a"), (V{"doc:d", "doc:e"}));
  EXPECT_EQ(list("doc", "viewer", "user:b"), (V{"doc:d"}));  // owner of f3 -> viewer of f3, f4
  EXPECT_EQ(list("doc", "owner_or_blocked", "user:b"), (V{}));  // owner from parent: f4 has no owner
  EXPECT_EQ(list("doc", "viewer", "user:nobody"), (V{}));
}

TEST_F(ListObjectsTest, UsersetsAndWildcards) {
  write({T("user:*", "member", "group:everyone"), T("group:everyone#member", "viewer", "doc:pub"),
         T("user:*", "viewer", "doc:open"), T("user:a", "member", "group:eng"),
         T("group:eng#member", "member", "group:all"), T("group:all#member", "viewer", "folder:f"),
         T("folder:f", "parent", "doc:in_f"), T("user:a", "viewer", "doc:mine")});
  EXPECT_EQ(list("doc", "viewer", "user:zed"), (V{"doc:open", "doc:pub"}));
  EXPECT_EQ(list("doc", "viewer", "user:a"), (V{"doc:in_f", "doc:mine", "doc:open", "doc:pub"}));
  EXPECT_EQ(list("doc", "viewer", "user:*"), (V{"doc:open", "doc:pub"}));
  EXPECT_EQ(list("group", "member", "user:a"), (V{"group:all", "group:eng", "group:everyone"}));
  // A userset as the user: it holds itself, and what holds it.
  EXPECT_EQ(list("group", "member", "group:eng#member"), (V{"group:all", "group:eng"}));
  EXPECT_EQ(list("doc", "viewer", "group:eng#member"), (V{"doc:in_f"}));
  EXPECT_EQ(list("folder", "viewer", "group:all#member"), (V{"folder:f"}));
}

TEST_F(ListObjectsTest, CyclesEndAndKeepEveryMember) {
  write({T("group:a#member", "member", "group:b"), T("group:b#member", "member", "group:a"),
         T("group:b#member", "member", "group:c"), T("user:x", "member", "group:a"),
         T("group:c#member", "viewer", "doc:1"), T("folder:p", "parent", "folder:q"),
         T("folder:q", "parent", "folder:p"), T("user:x", "viewer", "folder:p"), T("folder:q", "parent", "doc:2")});
  EXPECT_EQ(list("group", "member", "user:x"), (V{"group:a", "group:b", "group:c"}));
  EXPECT_EQ(list("doc", "viewer", "user:x"), (V{"doc:1", "doc:2"}));
  EXPECT_EQ(list("folder", "viewer", "user:x"), (V{"folder:p", "folder:q"}));
}

TEST_F(ListObjectsTest, DepthLimitFallsBackToTheScanAndReportsItsError) {
  // 24 nested groups are within Check's depth limit; 30 are not.
  auto chain = [&](const std::string& prefix, int n) {
    std::vector<Tuple> ts{T("user:u" + prefix, "member", "group:" + prefix + "0")};
    for (int i = 0; i + 1 < n; ++i)
      ts.push_back(T("group:" + prefix + std::to_string(i) + "#member", "member", "group:" + prefix + std::to_string(i + 1)));
    ts.push_back(T("group:" + prefix + std::to_string(n - 1) + "#member", "viewer", "doc:" + prefix));
    write(ts);
  };
  chain("s", 22);
  EXPECT_EQ(list("doc", "viewer", "user:us"), (V{"doc:s"}));
  chain("d", 30);
  Engine e(model_, counting_, small_condition);
  int before = counting_.scans;
  auto got = e.list_objects("doc", "viewer", "user:ud");
  EXPECT_GT(counting_.scans, before);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(fga_code(got.error()), 2002);
  auto want = e.list_objects_scan("doc", "viewer", "user:ud");
  ASSERT_FALSE(want.ok());
  EXPECT_EQ(fga_code(want.error()), 2002);
}

TEST_F(ListObjectsTest, ContextualTuples) {
  write({T("user:a", "viewer", "folder:f"), T("user:c", "limited", "doc:over", "small", {{"x", 500}})});
  QueryContext q;
  q.contextual_tuples = {T("folder:f", "parent", "doc:ctx"), T("user:b", "viewer", "doc:only_ctx"),
                         T("user:c", "limited", "doc:over", "small", {{"x", 5}})};
  EXPECT_EQ(list("doc", "viewer", "user:a", q), (V{"doc:ctx"}));
  EXPECT_EQ(list("doc", "viewer", "user:b", q), (V{"doc:only_ctx"}));
  // The contextual tuple overrides the stored one with the same key (and its condition).
  EXPECT_EQ(list("doc", "limited", "user:c", q), (V{"doc:over"}));
  EXPECT_EQ(list("doc", "limited", "user:c"), (V{}));
  // Invalid contextual tuples are refused as in Check.
  QueryContext bad;
  bad.contextual_tuples = {T("user:b", "nope", "doc:1")};
  Engine e(model_, counting_, small_condition);
  auto r = e.list_objects("doc", "viewer", "user:b", bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(fga_code(r.error()), 2027);
}

TEST_F(ListObjectsTest, Conditions) {
  write({T("user:l", "limited", "doc:1", "small"), T("user:l", "limited", "doc:2", "small", {{"x", 500}}),
         T("user:l", "limited", "doc:3", "small", {{"x", 1}}), T("user:m", "member", "group:g"),
         T("group:g#member", "editor", "doc:4", "small"), T("user:m", "viewer", "doc:5")});
  QueryContext ok;
  ok.context["x"] = 5;
  QueryContext big;
  big.context["x"] = 500;
  EXPECT_EQ(list("doc", "limited", "user:l", ok), (V{"doc:1", "doc:3"}));  // the tuple's own x wins
  EXPECT_EQ(list("doc", "limited", "user:l", big), (V{"doc:3"}));
  EXPECT_EQ(list("doc", "viewer", "user:m", ok), (V{"doc:4", "doc:5"}));  // conditional userset
  EXPECT_EQ(list("doc", "viewer", "user:m", big), (V{"doc:5"}));
  // A condition that cannot be evaluated fails the request, as Check does.
  Engine e(model_, counting_, small_condition);
  auto r = e.list_objects("doc", "limited", "user:l");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(fga_code(r.error()), 2000);
}

TEST_F(ListObjectsTest, IntersectionAndExclusionAreChecked) {
  write({T("user:a", "viewer", "doc:1"), T("user:a", "viewer", "doc:2"), T("user:a", "blocked", "doc:2"),
         T("user:a", "editor", "doc:3"), T("user:a", "member", "group:bad"), T("group:bad#member", "blocked", "doc:4"),
         T("user:a", "viewer", "doc:4"), T("user:b", "editor", "doc:1")});
  EXPECT_EQ(list("doc", "can_read", "user:a"), (V{"doc:1", "doc:3"}));
  EXPECT_EQ(list("doc", "both", "user:a"), (V{"doc:3"}));  // editor implies viewer
  EXPECT_EQ(list("doc", "both", "user:b"), (V{"doc:1"}));
  EXPECT_EQ(list("doc", "owner_or_blocked", "user:a"), (V{"doc:2", "doc:4"}));
}

// CVE-2025-25196's shape: a relation open to `team:*` and to `team#member`; a userset of
// type team as the user must not match the public `team:*` tuple.
TEST(ListObjectsPublicAccess, AUsersetIsNotMatchedByTheTypesWildcard) {
  auto m = load_dsl(R"(model
  schema 1.1
type user
type team
  relations
    define member: [user, team:*, team#member]
type doc
  relations
    define viewer: [team:*, team#member]
)");
  ASSERT_TRUE(m.ok()) << m.error().message;
  auto model = std::make_shared<const Model>(std::move(*m));
  MemoryStore store;
  std::vector<Tuple> ts{T("team:*", "viewer", "doc:pub"), T("team:*", "member", "team:open"),
                        T("team:a#member", "viewer", "doc:a")};
  ASSERT_TRUE(store.write(ts, {}).ok());
  Engine e(model, store);
  EXPECT_EQ(*e.list_objects("doc", "viewer", "team:a#member"), (V{"doc:a"}));
  EXPECT_EQ(*e.list_objects_scan("doc", "viewer", "team:a#member"), (V{"doc:a"}));
  // A userset holds itself, as Check says, even for an object no tuple names (the scan only
  // sees objects that appear in tuples, so it answers [] here).
  EXPECT_EQ(*e.list_objects("team", "member", "team:a#member"), (V{"team:a"}));
  EXPECT_TRUE(*e.check(CheckRequest{{"team:a", "member", "team:a#member"}, {}}));
  EXPECT_EQ(*e.list_objects("doc", "viewer", "team:b"), (V{"doc:pub"}));  // a concrete team is public
  EXPECT_EQ(*e.list_objects_scan("doc", "viewer", "team:b"), (V{"doc:pub"}));
}

// Random graphs over the model: the reverse answer equals the scan's for every user and
// relation, on the memory store and on SQLite.
TEST_F(ListObjectsTest, MatchesTheScanOnRandomGraphs) {
  for (unsigned seed = 1; seed <= 12; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    auto user = [&] { return "user:u" + std::to_string(pick(6)); };
    auto group = [&] { return "group:g" + std::to_string(pick(5)); };
    auto folder = [&] { return "folder:f" + std::to_string(pick(6)); };
    auto doc = [&] { return "doc:d" + std::to_string(pick(10)); };
    std::map<std::string, Tuple> ts;  // by key: a tuple is written once
    auto add = [&](Tuple t) { ts.emplace(t.key.object + "#" + t.key.relation + "@" + t.key.user, std::move(t)); };
    for (int i = 0; i < 60; ++i) {
      switch (pick(12)) {
        case 0: add(T(user(), "member", group())); break;
        case 1: add(T(group() + "#member", "member", group())); break;
        case 2: add(T(folder(), "parent", folder())); break;
        case 3: add(T(folder(), "parent", doc())); break;
        case 4: add(T(pick(2) ? user() : group() + "#member", "viewer", folder())); break;
        case 5: add(T(pick(2) ? user() : group() + "#member", "owner", folder())); break;
        case 6: add(T(pick(2) ? user() : group() + "#member", "viewer", doc())); break;
        case 7: add(T(pick(2) ? user() : group() + "#member", "blocked", doc())); break;
        case 8: add(T(pick(2) ? user() : group() + "#member", "editor", doc(), pick(2) ? "small" : "")); break;
        case 9: add(T(user(), "viewer", doc(), "small", {{"x", pick(2) ? 5 : 500}})); break;
        case 10: add(T("user:*", pick(2) ? "viewer" : "member", pick(2) ? doc() : group())); break;
        case 11: add(T(user(), "limited", doc(), "small")); break;
      }
    }
    std::vector<Tuple> all;
    for (auto& [k, t] : ts) {
      // `user:*` on a doc viewer is allowed; on doc member it is not a relation: skip those.
      if (t.key.user == "user:*" && t.key.object.starts_with("doc:") && t.key.relation != "viewer") continue;
      if (t.key.user == "user:*" && t.key.object.starts_with("group:") && t.key.relation != "member") continue;
      if (t.key.relation == "editor" && t.key.user.starts_with("user:") && !t.condition.empty()) t.condition.clear();
      if (t.key.relation == "editor" && t.key.user.starts_with("group:")) t.condition = "small";
      all.push_back(t);
    }
    MemoryStore memory;
    auto sqlite = SqliteStore::open(":memory:", "s");
    ASSERT_TRUE(sqlite.ok());
    for (TupleStore* s : {static_cast<TupleStore*>(&memory), static_cast<TupleStore*>(sqlite->get())}) {
      auto w = s->write(all, {});
      ASSERT_TRUE(w.ok()) << w.error().message;
      Engine e(model_, *s, small_condition);
      QueryContext q;
      q.context["x"] = pick(2) ? 5 : 500;
      std::vector<std::string> users{"user:*", "group:g0#member", "group:g1#member", "folder:f0#viewer"};
      for (int u = 0; u < 6; ++u) users.push_back("user:u" + std::to_string(u));
      for (const auto& u : users)
        for (const auto& [type, rel] : std::vector<std::pair<std::string, std::string>>{
                 {"group", "member"}, {"folder", "viewer"}, {"folder", "owner"}, {"doc", "viewer"},
                 {"doc", "can_read"}, {"doc", "both"}, {"doc", "limited"}, {"doc", "owner_or_blocked"},
                 {"doc", "editor"}}) {
          auto got = e.list_objects(type, rel, u, q);
          auto want = e.list_objects_scan(type, rel, u, q);
          ASSERT_EQ(got.ok(), want.ok()) << "seed " << seed << " " << u << " " << rel << " " << type;
          if (got.ok()) {
            EXPECT_EQ(*got, *want) << "seed " << seed << " " << u << " " << rel << " " << type;
          }
        }
    }
  }
}

}  // namespace
}  // namespace gatehouse::fga
