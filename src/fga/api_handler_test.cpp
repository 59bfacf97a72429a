// The API's rules for fixed stores (the gateway's routes): queries and writes work on the
// route's own tuple store, its model cannot be replaced nor the store deleted; the bearer
// token; the path prefix.
#include "fga/api_handler.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "fga/dsl_parser.hpp"
#include "fga/memory_store.hpp"
#include "fga/stable_id.hpp"

namespace gatehouse::fga {
namespace {
namespace json = boost::json;
using boost::beast::http::verb;

constexpr std::string_view kModel = R"(model
  schema 1.1
type user
type tool
  relations
    define can_call: [user]
)";

constexpr std::string_view kWriteModel =
    R"({"schema_version":"1.1","type_definitions":[{"type":"user"},{"type":"doc","relations":{"r":{"this":{}}},)"
    R"("metadata":{"relations":{"r":{"directly_related_user_types":[{"type":"user"}]}}}}]})";

class FixedStoreApi : public ::testing::Test {
 protected:
  void SetUp() override {
    auto model = load_dsl(kModel);
    ASSERT_TRUE(model) << model.error().message;
    model_ = *model;
    tuples_ = std::make_shared<MemoryStore>();
    Tuple t;
    t.key = TupleKey{"tool:echo", "can_call", "user:alice"};
    ASSERT_TRUE(tuples_->write(std::span<const Tuple>(&t, 1), {}));
    state_ = make_api_state(ApiOptions{false, "/fga"});
    fixed_ = route_store("tools", model_, tuples_);
    set_fixed_stores(*state_, {fixed_});
  }

  ApiReply call(verb v, const std::string& path, std::string_view body = "", std::string_view auth = "") {
    return handle_api(*state_, v, "/fga" + path, auth, body);
  }
  json::value call_json(verb v, const std::string& path, std::string_view body = "", unsigned expect = 200) {
    auto r = call(v, path, body);
    EXPECT_EQ(r.status, expect) << path << " " << r.body;
    return r.body.empty() ? json::value() : json::parse(r.body);
  }
  bool check(std::string_view user) {
    auto v = call_json(verb::post, "/stores/" + fixed_.id + "/check",
                       R"({"tuple_key":{"user":")" + std::string(user) + R"(","relation":"can_call","object":"tool:echo"}})");
    return v.at("allowed").as_bool();
  }

  Model model_;
  std::shared_ptr<MemoryStore> tuples_;
  std::shared_ptr<ApiState> state_;
  FixedStore fixed_;
};

TEST_F(FixedStoreApi, IdsAreStableAndUlidShaped) {
  EXPECT_TRUE(is_ulid(fixed_.id));
  EXPECT_TRUE(is_ulid(fixed_.model_id));
  auto again = route_store("tools", model_, std::make_shared<MemoryStore>());
  EXPECT_EQ(again.id, fixed_.id);
  EXPECT_EQ(again.model_id, fixed_.model_id);
  EXPECT_NE(route_store("other", model_, tuples_).id, fixed_.id);
  Model changed = model_;
  changed.types.pop_back();
  EXPECT_NE(route_store("tools", changed, tuples_).model_id, fixed_.model_id);
}

TEST_F(FixedStoreApi, ListedByRouteNameWithItsModel) {
  auto stores = call_json(verb::get, "/stores").at("stores").as_array();
  ASSERT_EQ(stores.size(), 1u);
  EXPECT_EQ(stores[0].at("id").as_string(), fixed_.id);
  EXPECT_EQ(stores[0].at("name").as_string(), "tools");
  auto models = call_json(verb::get, "/stores/" + fixed_.id + "/authorization-models");
  ASSERT_EQ(models.at("authorization_models").as_array().size(), 1u);
  auto m = call_json(verb::get, "/stores/" + fixed_.id + "/authorization-models/" + fixed_.model_id);
  EXPECT_EQ(m.at("authorization_model").at("id").as_string(), fixed_.model_id);
}

TEST_F(FixedStoreApi, WritesAndDeletesReachTheRouteStore) {
  EXPECT_TRUE(check("user:alice"));
  EXPECT_FALSE(check("user:bob"));
  call_json(verb::post, "/stores/" + fixed_.id + "/write",
            R"({"writes":{"tuple_keys":[{"user":"user:bob","relation":"can_call","object":"tool:echo"}]}})");
  EXPECT_TRUE(check("user:bob"));
  auto found = tuples_->find(TupleKey{"tool:echo", "can_call", "user:bob"});  // the gateway's own store
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->has_value());
  auto read = call_json(verb::post, "/stores/" + fixed_.id + "/read", "{}");
  EXPECT_EQ(read.at("tuples").as_array().size(), 2u);
  call_json(verb::post, "/stores/" + fixed_.id + "/write",
            R"({"deletes":{"tuple_keys":[{"user":"user:bob","relation":"can_call","object":"tool:echo"}]}})");
  EXPECT_FALSE(check("user:bob"));
  auto changes = call_json(verb::get, "/stores/" + fixed_.id + "/changes");
  EXPECT_EQ(changes.at("changes").as_array().size(), 2u);
  // A tuple the model does not allow is refused.
  call_json(verb::post, "/stores/" + fixed_.id + "/write",
            R"({"writes":{"tuple_keys":[{"user":"tool:x","relation":"can_call","object":"tool:echo"}]}})", 400);
}

TEST_F(FixedStoreApi, ModelCannotBeReplacedNorStoreDeletedNorStoresCreated) {
  auto r = call(verb::post, "/stores/" + fixed_.id + "/authorization-models", kWriteModel);
  EXPECT_EQ(r.status, 400u);
  auto err = json::parse(r.body);
  EXPECT_EQ(err.at("code").as_string(), "validation_error");
  EXPECT_NE(std::string(err.at("message").as_string()).find("gateway config"), std::string::npos) << r.body;
  EXPECT_EQ(call(verb::delete_, "/stores/" + fixed_.id).status, 400u);
  EXPECT_EQ(call(verb::post, "/stores", R"({"name":"x"})").status, 400u);
  EXPECT_EQ(call_json(verb::get, "/stores").at("stores").as_array().size(), 1u);
  EXPECT_TRUE(check("user:alice"));  // still served
}

TEST_F(FixedStoreApi, ReloadKeepsAssertionsAndChangesOfAnUnchangedStore) {
  call_json(verb::put, "/stores/" + fixed_.id + "/assertions/" + fixed_.model_id,
            R"({"assertions":[{"tuple_key":{"user":"user:alice","relation":"can_call","object":"tool:echo"},"expectation":true}]})",
            204);
  call_json(verb::post, "/stores/" + fixed_.id + "/write",
            R"({"writes":{"tuple_keys":[{"user":"user:carol","relation":"can_call","object":"tool:echo"}]}})");
  auto fresh = std::make_shared<MemoryStore>();  // a reload builds a new store
  set_fixed_stores(*state_, {route_store("tools", model_, fresh), route_store("more", model_, fresh)});
  EXPECT_EQ(call_json(verb::get, "/stores").at("stores").as_array().size(), 2u);
  auto a = call_json(verb::get, "/stores/" + fixed_.id + "/assertions/" + fixed_.model_id);
  EXPECT_EQ(a.at("assertions").as_array().size(), 1u);
  EXPECT_EQ(call_json(verb::get, "/stores/" + fixed_.id + "/changes").at("changes").as_array().size(), 1u);
  EXPECT_FALSE(check("user:alice"));  // the new snapshot's store answers
  set_fixed_stores(*state_, {});
  EXPECT_EQ(call(verb::get, "/stores/" + fixed_.id).status, 404u);
}

TEST_F(FixedStoreApi, BearerTokenWhenSet) {
  set_api_token(*state_, "s3cret");
  const std::string path = "/stores";
  EXPECT_EQ(call(verb::get, path).status, 401u);
  EXPECT_EQ(call(verb::get, path, "", "Bearer wrong").status, 401u);
  EXPECT_EQ(call(verb::get, path, "", "Bearer s3cret2").status, 401u);
  EXPECT_EQ(call(verb::get, path, "", "Basic s3cret").status, 401u);
  EXPECT_EQ(call(verb::get, path, "", "Bearer").status, 401u);
  EXPECT_EQ(call(verb::get, path, "", "Bearer s3cret").status, 200u);
  EXPECT_EQ(call(verb::get, path, "", "bearer s3cret").status, 200u);
  auto body = call(verb::get, path, "", "Bearer wrong").body;
  EXPECT_EQ(body.find("s3cret"), std::string::npos);
  EXPECT_EQ(json::parse(body).at("code").as_string(), "unauthenticated");
  set_api_token(*state_, "");
  EXPECT_EQ(call(verb::get, path).status, 200u);
}

TEST_F(FixedStoreApi, OnlyUnderThePrefix) {
  EXPECT_EQ(handle_api(*state_, verb::get, "/stores", "", "").status, 404u);
  EXPECT_EQ(handle_api(*state_, verb::get, "/fgax/stores", "", "").status, 404u);
  EXPECT_EQ(handle_api(*state_, verb::get, "/fga/stores?page_size=5", "", "").status, 200u);
  EXPECT_EQ(handle_api(*state_, verb::get, "/fga/nothing", "", "").status, 404u);
}

// Found by fga_api_fuzz: other verbs on the store collection read past the path's segments.
TEST_F(FixedStoreApi, CollectionTakesOnlyGetAndPost) {
  for (verb v : {verb::delete_, verb::put, verb::patch})
    EXPECT_EQ(call(v, "/stores/?x").status, 404u);
}

TEST(ApiStoreAdmin, OwnStoresStillWorkWithoutPrefix) {
  auto state = make_api_state();
  auto created = handle_api(*state, verb::post, "/stores", "", R"({"name":"mine"})");
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string id(json::parse(created.body).at("id").as_string());
  EXPECT_TRUE(is_ulid(id));
  auto m = handle_api(*state, verb::post, "/stores/" + id + "/authorization-models", "", kWriteModel);
  EXPECT_EQ(m.status, 201u) << m.body;
  EXPECT_EQ(handle_api(*state, verb::delete_, "/stores/" + id, "", "").status, 204u);
  // Malformed bodies are refused, not crashed on.
  EXPECT_EQ(handle_api(*state, verb::post, "/stores/" + id + "/check", "", "{not json").status, 404u);
}

}  // namespace
}  // namespace gatehouse::fga
