// RemoteFga's JSON handling against an injected HttpFetch (a lambda answering like an OpenFGA
// server would, or failing): request bodies, batch splitting and answer mapping, failures.
#include "authz/remote_fga.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace gatehouse::authz {
namespace {
namespace json = boost::json;

// Runs a coroutine to its end (Result<T> has no default constructor, which use_future needs).
template <typename T>
T run(boost::asio::awaitable<T> aw) {
  boost::asio::io_context io;
  std::optional<T> out;
  boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(aw)); },
                        boost::asio::detached);
  io.run();
  return std::move(*out);
}

std::string str(const json::value& v) { return v.is_string() ? std::string(v.get_string()) : json::serialize(v); }

fga::CheckRequest request(const std::string& user, const std::string& object) {
  return fga::CheckRequest{fga::TupleKey{object, "can_call", user}, {}};
}

config::FgaRemote spec(std::string token = "") {
  config::FgaRemote s;
  s.url = "http://127.0.0.1:8080/";
  s.store_id = "S1";
  s.model_id = "M1";
  s.token = std::move(token);
  return s;
}

auth::HttpResponse response(int status, std::string body) {
  auth::HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

// Every request the fake server saw.
struct Seen {
  std::vector<auth::HttpRequest> requests;
  json::object body(std::size_t i) const { return json::parse(requests.at(i).body).as_object(); }
};

// A batch-check server: item i is allowed when allow(i); the nth call (0-based) in `broken`
// gets `broken_answer` instead.
auth::HttpFetch batch_server(Seen& seen, std::function<bool(int)> allow, int broken_call = -1,
                             auth::HttpResponse broken_answer = {}) {
  return [&seen, allow, broken_call, broken_answer](auth::HttpRequest req) -> boost::asio::awaitable<Result<auth::HttpResponse>> {
    const int n = static_cast<int>(seen.requests.size());
    seen.requests.push_back(req);
    if (n == broken_call) co_return broken_answer;
    auto body = json::parse(req.body).as_object();
    json::object result;
    // Answered in reverse order: the client must map by correlation id, not position.
    auto& checks = body.at("checks").as_array();
    for (auto it = checks.rbegin(); it != checks.rend(); ++it) {
      std::string id(it->at("correlation_id").as_string());
      json::object item;
      item["allowed"] = allow(std::stoi(id));
      result[id] = std::move(item);
    }
    json::object answer;
    answer["result"] = std::move(result);
    co_return response(200, json::serialize(answer));
  };
}

TEST(RemoteFga, CheckBodyCarriesTupleContextualTuplesContextAndModel) {
  auto r = request("user:alice", "tool:bank/transfer");
  r.query.contextual_tuples.push_back({fga::TupleKey{"role:admin", "member", "user:alice"}, {}, {}});
  r.query.context["source_ip"] = "10.0.0.5";
  r.query.context["args"] = json::object{{"amount", 5}};
  auto body = check_body(r, "M1");
  EXPECT_EQ(json::serialize(body.at("tuple_key")),
            R"({"user":"user:alice","relation":"can_call","object":"tool:bank/transfer"})");
  EXPECT_EQ(json::serialize(body.at("contextual_tuples")),
            R"({"tuple_keys":[{"user":"user:alice","relation":"member","object":"role:admin"}]})");
  EXPECT_EQ(json::serialize(body.at("context")), R"({"source_ip":"10.0.0.5","args":{"amount":5}})");
  EXPECT_EQ(str(body.at("authorization_model_id")), "M1");

  // Nothing optional when there is nothing to say.
  auto bare = check_body(request("user:bob", "tool:x/y"), "");
  EXPECT_EQ(bare.size(), 1u);
  EXPECT_TRUE(bare.contains("tuple_key"));
}

TEST(RemoteFga, ReadCheckAnswer) {
  auto yes = read_check_answer(json::parse(R"({"allowed": true, "resolution": ""})"));
  ASSERT_TRUE(yes.ok());
  EXPECT_TRUE(*yes);
  auto no = read_check_answer(json::parse(R"({"allowed": false})"));
  ASSERT_TRUE(no.ok());
  EXPECT_FALSE(*no);

  for (const char* garbage : {R"({"allowed": "true"})", R"({"allowed": 1})", R"({})", R"([true])", R"("allowed")",
                              R"(null)", R"({"result": {"allowed": true}})"}) {
    auto v = read_check_answer(json::parse(garbage));
    ASSERT_FALSE(v.ok()) << garbage;
    EXPECT_EQ(v.error().reason, "fga.remote_failed") << garbage;
  }
  // OpenFGA's error body: its message is kept for the log.
  auto err = read_check_answer(json::parse(R"({"code": "validation_error", "message": "type 'tool' not found"})"));
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.error().message.find("type 'tool' not found"), std::string::npos);
  // A batch-check item's error.
  auto item = read_check_answer(json::parse(R"({"error": {"input_error": 2000, "message": "bad relation"}})"));
  ASSERT_FALSE(item.ok());
  EXPECT_NE(item.error().message.find("bad relation"), std::string::npos);
}

TEST(RemoteFga, OneCheckUsesCheckEndpointWithBearerToken) {
  Seen seen;
  auth::HttpFetch fetch = [&seen](auth::HttpRequest req) -> boost::asio::awaitable<Result<auth::HttpResponse>> {
    seen.requests.push_back(req);
    co_return response(200, R"({"allowed": true})");
  };
  RemoteFga remote(spec("s3cret"), fetch);
  auto out = run(remote.check({request("user:alice", "tool:a/b")}));
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0].ok());
  EXPECT_TRUE(*out[0]);
  ASSERT_EQ(seen.requests.size(), 1u);
  const auto& req = seen.requests[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://127.0.0.1:8080/stores/S1/check");  // trailing slash of the url dropped
  auto has = [&](const std::string& k, const std::string& v) {
    for (const auto& [hk, hv] : req.headers)
      if (hk == k && hv == v) return true;
    return false;
  };
  EXPECT_TRUE(has("Authorization", "Bearer s3cret"));
  EXPECT_TRUE(has("Content-Type", "application/json"));
  EXPECT_EQ(str(seen.body(0).at("authorization_model_id")), "M1");

  // No token, no Authorization header.
  Seen seen2;
  auth::HttpFetch fetch2 = [&seen2](auth::HttpRequest req) -> boost::asio::awaitable<Result<auth::HttpResponse>> {
    seen2.requests.push_back(req);
    co_return response(200, R"({"allowed": false})");
  };
  RemoteFga anonymous(spec(), fetch2);
  auto out2 = run(anonymous.check({request("user:alice", "tool:a/b")}));
  ASSERT_TRUE(out2[0].ok());
  EXPECT_FALSE(*out2[0]);
  for (const auto& [k, v] : seen2.requests.at(0).headers) EXPECT_NE(k, "Authorization");
}

TEST(RemoteFga, BatchOf120IsSplitIn50Plus50Plus20WithAnswersInOrder) {
  Seen seen;
  RemoteFga remote(spec(), batch_server(seen, [](int i) { return i % 3 == 0; }));
  std::vector<fga::CheckRequest> reqs;
  for (int i = 0; i < 120; ++i) reqs.push_back(request("user:alice", "tool:t/" + std::to_string(i)));
  auto out = run(remote.check(reqs));
  ASSERT_EQ(out.size(), 120u);
  for (int i = 0; i < 120; ++i) {
    ASSERT_TRUE(out[i].ok()) << i;
    EXPECT_EQ(*out[i], i % 3 == 0) << i;
  }
  ASSERT_EQ(seen.requests.size(), 3u);
  const std::size_t sizes[] = {50, 50, 20};
  int next = 0;
  for (std::size_t c = 0; c < 3; ++c) {
    EXPECT_EQ(seen.requests[c].url, "http://127.0.0.1:8080/stores/S1/batch-check");
    auto body = seen.body(c);
    EXPECT_EQ(str(body.at("authorization_model_id")), "M1");
    auto& checks = body.at("checks").as_array();
    ASSERT_EQ(checks.size(), sizes[c]);
    for (auto& check : checks) {
      // Each check carries its own tuple; the model id is given once per batch.
      EXPECT_EQ(str(check.at("tuple_key").at("object")), "tool:t/" + std::to_string(next++));
      EXPECT_FALSE(check.as_object().contains("authorization_model_id"));
    }
  }
}

TEST(RemoteFga, AFailedChunkFailsEveryItemItCarried) {
  std::vector<fga::CheckRequest> reqs;
  for (int i = 0; i < 120; ++i) reqs.push_back(request("user:alice", "tool:t/" + std::to_string(i)));
  auto check_chunks = [](const std::vector<Result<bool>>& out, int bad_from, int bad_to) {
    ASSERT_EQ(out.size(), 120u);
    for (int i = 0; i < 120; ++i) {
      if (i >= bad_from && i < bad_to) {
        ASSERT_FALSE(out[i].ok()) << i;
        EXPECT_EQ(out[i].error().reason, "fga.remote_failed") << i;
      } else {
        ASSERT_TRUE(out[i].ok()) << i;
        EXPECT_TRUE(*out[i]) << i;
      }
    }
  };
  {
    Seen seen;  // the second chunk gets a 500
    RemoteFga remote(spec(), batch_server(seen, [](int) { return true; }, 1, response(500, R"({"code":"internal"})")));
    auto out = run(remote.check(reqs));
    check_chunks(out, 50, 100);
    EXPECT_NE(out[50].error().message.find("HTTP 500"), std::string::npos);
  }
  {
    Seen seen;  // the third chunk gets malformed JSON
    RemoteFga remote(spec(), batch_server(seen, [](int) { return true; }, 2, response(200, R"({"result": {"100": )")));
    check_chunks(run(remote.check(reqs)), 100, 120);
  }
  {
    Seen seen;  // the first chunk gets valid JSON of the wrong shape
    RemoteFga remote(spec(), batch_server(seen, [](int) { return true; }, 0, response(200, R"({"result": []})")));
    check_chunks(run(remote.check(reqs)), 0, 50);
  }
  {
    // A transport failure (refused, timeout): everything fails, nothing is allowed.
    auth::HttpFetch down = [](auth::HttpRequest) -> boost::asio::awaitable<Result<auth::HttpResponse>> {
      co_return fail(Errc::unavailable, "connect 127.0.0.1: Connection refused", "http.unavailable");
    };
    RemoteFga remote(spec(), down);
    auto out = run(remote.check(reqs));
    ASSERT_EQ(out.size(), 120u);
    for (auto& r : out) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().reason, "fga.remote_failed");
    }
    auto one = run(remote.check({reqs[0]}));
    ASSERT_FALSE(one[0].ok());
    EXPECT_EQ(one[0].error().reason, "fga.remote_failed");
  }
  {
    // A batch answer missing an item fails that item only.
    auth::HttpFetch partial = [](auth::HttpRequest) -> boost::asio::awaitable<Result<auth::HttpResponse>> {
      co_return response(200, R"({"result": {"0": {"allowed": true}, "2": {"allowed": false}}})");
    };
    RemoteFga remote(spec(), partial);
    auto out = run(remote.check({reqs[0], reqs[1], reqs[2]}));
    ASSERT_EQ(out.size(), 3u);
    ASSERT_TRUE(out[0].ok());
    EXPECT_TRUE(*out[0]);
    EXPECT_FALSE(out[1].ok());
    ASSERT_TRUE(out[2].ok());
    EXPECT_FALSE(*out[2]);
  }
}

TEST(RemoteFga, ModelReadsTheNamedOrTheLatestModel) {
  Seen seen;
  auth::HttpFetch fetch = [&seen](auth::HttpRequest req) -> boost::asio::awaitable<Result<auth::HttpResponse>> {
    seen.requests.push_back(req);
    if (req.url.ends_with("/authorization-models/M1"))
      co_return response(200, R"({"authorization_model": {"id": "M1", "schema_version": "1.1"}})");
    if (req.url.ends_with("/authorization-models?page_size=1"))
      co_return response(200, R"({"authorization_models": [{"id": "M9"}], "continuation_token": ""})");
    co_return response(404, R"({"code": "not_found"})");
  };
  RemoteFga named(spec(), fetch);
  auto m = run(named.model());
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(str(m->at("id")), "M1");
  EXPECT_EQ(seen.requests.at(0).method, "GET");
  EXPECT_TRUE(seen.requests.at(0).body.empty());

  auto latest_spec = spec();
  latest_spec.model_id.clear();
  RemoteFga latest(latest_spec, fetch);
  auto l = run(latest.model());
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(str(l->at("id")), "M9");

  auto other = spec();
  other.model_id = "nope";
  auto missing = run(RemoteFga(other, fetch).model());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().reason, "fga.remote_failed");

  // A store without models.
  auth::HttpFetch empty = [](auth::HttpRequest) -> boost::asio::awaitable<Result<auth::HttpResponse>> {
    co_return response(200, R"({"authorization_models": []})");
  };
  auto none = run(RemoteFga(latest_spec, empty).model());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().reason, "fga.remote_failed");
}

}  // namespace
}  // namespace gatehouse::authz
