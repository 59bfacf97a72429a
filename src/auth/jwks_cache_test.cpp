// JwksCache, JwtAuthenticator and Introspector against a fake network and a fake clock.
#include "auth/jwks_cache.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <map>

#include "auth/introspection.hpp"
#include "auth/jwt_authenticator.hpp"
#include "auth/test_keys.hpp"
#include "auth/test_net.hpp"

namespace gatehouse::auth {
namespace {

namespace asio = boost::asio;
using testing::FakeNet;
using testing::run;
using testing::generate_key;
using testing::sign_jwt;
using testing::TestKey;

const std::string kIss = "https://as.test";
const std::string kJwksUrl = "https://as.test/jwks";
constexpr std::int64_t kNow = 1'800'000'000;

struct Fixture : ::testing::Test {
  Fixture() : key_a(generate_key(Alg::es256, "a")), key_b(generate_key(Alg::rs256, "b")) {
    net.routes[kIss + "/.well-known/openid-configuration"] =
        HttpResponse{200, "application/json", R"({"issuer":")" + kIss + R"(","jwks_uri":")" + kJwksUrl + R"("})"};
    serve({&key_a});
  }
  void serve(std::initializer_list<const TestKey*> keys) {
    net.routes[kJwksUrl] = HttpResponse{200, "application/json", testing::jwks_json(keys)};
  }
  std::shared_ptr<JwksCache> make_cache() {
    JwksCacheOptions o;
    o.issuer = kIss;
    o.min_refetch_interval = std::chrono::seconds(30);
    o.clock = [this] { return clock; };
    return std::make_shared<JwksCache>(net.fetch(), o);
  }
  boost::json::object claims(std::string sub = "alice") {
    return {{"iss", kIss}, {"aud", "https://gw/mcp"}, {"sub", sub}, {"exp", kNow + 60}, {"roles", {"admin"}}};
  }
  Validator validator() {
    ValidatorConfig c;
    c.issuer = kIss;
    c.audiences = {"https://gw/mcp"};
    return *Validator::create(c);
  }
  FakeNet net;
  std::chrono::steady_clock::time_point clock{std::chrono::hours(1)};
  TestKey key_a, key_b;
};

TEST_F(Fixture, DiscoversFetchesAndRefetchesUnknownKidAtBoundedRate) {
  auto cache = make_cache();
  auto keys = run(cache->keys_for("a"));
  EXPECT_TRUE(keys->has_kid("a"));
  EXPECT_EQ(net.count(kJwksUrl), 1u);
  // Known kid: no network.
  run(cache->keys_for("a"));
  EXPECT_EQ(net.count(kJwksUrl), 1u);
  // Rotation: b appears. Within 30 s of the last fetch, unknown kids do not refetch.
  serve({&key_a, &key_b});
  clock += std::chrono::seconds(10);
  EXPECT_FALSE(run(cache->keys_for("b"))->has_kid("b"));
  EXPECT_FALSE(run(cache->keys_for("bogus"))->has_kid("bogus"));
  EXPECT_EQ(net.count(kJwksUrl), 1u);
  clock += std::chrono::seconds(25);
  EXPECT_TRUE(run(cache->keys_for("b"))->has_kid("b"));
  EXPECT_EQ(net.count(kJwksUrl), 2u);
  // A flood of bogus kids right after costs nothing.
  for (int i = 0; i < 50; ++i) run(cache->keys_for("bogus" + std::to_string(i)));
  EXPECT_EQ(net.count(kJwksUrl), 2u);
  // Discovery happened once.
  EXPECT_EQ(net.count(kIss + "/.well-known/openid-configuration"), 1u);
}

TEST_F(Fixture, ConcurrentUnknownKidsShareOneFetch) {
  auto cache = make_cache();
  ASSERT_TRUE(run(cache->refresh()).ok());
  serve({&key_a, &key_b});
  clock += std::chrono::minutes(1);
  // A slow JWKS endpoint: 50 ms per answer.
  auto inner = net.fetch();
  JwksCacheOptions o;
  o.issuer = kIss;
  o.clock = [this] { return clock; };
  auto slow_cache = std::make_shared<JwksCache>(
      [inner](HttpRequest req) -> asio::awaitable<Result<HttpResponse>> {
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
        co_await t.async_wait(asio::use_awaitable);
        co_return co_await inner(std::move(req));
      },
      o);
  asio::io_context io;
  int found = 0;
  for (int i = 0; i < 5; ++i)
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      auto keys = co_await slow_cache->keys_for("b");
      found += keys->has_kid("b");
    }, asio::detached);
  io.run();
  EXPECT_EQ(found, 5);
  EXPECT_EQ(slow_cache->fetch_count(), 1u);
}

TEST_F(Fixture, KeepsKeysWhenTheServerIsDown) {
  auto cache = make_cache();
  ASSERT_TRUE(run(cache->refresh()).ok());
  net.down = true;
  clock += std::chrono::minutes(5);
  auto st = run(cache->refresh());
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(cache->current()->has_kid("a"));
  EXPECT_EQ(cache->failure_count(), 1u);
  // A bad document does not replace good keys either.
  net.down = false;
  net.routes[kJwksUrl] = HttpResponse{200, "application/json", R"({"keys":[{"kty":"oct","k":"AA"}]})"};
  EXPECT_EQ(run(cache->refresh()).error().reason, "jwks.empty");
  EXPECT_TRUE(cache->current()->has_kid("a"));
}

TEST_F(Fixture, FallsBackToRfc8414AndChecksIssuer) {
  net.routes.erase(kIss + "/.well-known/openid-configuration");
  net.routes[kIss + "/.well-known/oauth-authorization-server"] =
      HttpResponse{200, "application/json", R"({"issuer":")" + kIss + R"(","jwks_uri":")" + kJwksUrl + R"("})"};
  EXPECT_TRUE(run(make_cache()->refresh()).ok());
  net.routes[kIss + "/.well-known/oauth-authorization-server"].body = R"({"issuer":"https://evil","jwks_uri":"x"})";
  EXPECT_EQ(run(make_cache()->refresh()).error().reason, "discovery.issuer_mismatch");
}

TEST_F(Fixture, AuthenticatorCachesAndSurvivesOutage) {
  auto tokens = std::make_shared<TokenCache>(100);
  JwtAuthenticator auth({JwtProvider{validator(), make_cache()}}, tokens);
  auto token = sign_jwt(key_a, claims());
  auto id = run(auth.authenticate(token, kNow));
  ASSERT_TRUE(id.ok()) << id.error().reason;
  EXPECT_EQ((*id)->subject, "alice");
  EXPECT_EQ(tokens->size(), 1u);
  // Cache hit: same object, even with the network down.
  net.down = true;
  EXPECT_EQ(*run(auth.authenticate(token, kNow + 1)), *id);
  // Another token signed by the cached key still verifies with the AS down.
  EXPECT_TRUE(run(auth.authenticate(sign_jwt(key_a, claims("bob")), kNow)).ok());
  // Unknown kid with the AS down: 401 unknown_kid, not an internal error.
  clock += std::chrono::minutes(1);
  auto r = run(auth.authenticate(sign_jwt(key_b, claims()), kNow));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, "jwt.unknown_kid");
  EXPECT_EQ(r.error().code, Errc::unauthenticated);
  // The cached entry ends at exp; after that the validator's leeway (60 s) decides.
  // (Looked up by the authenticator's key: a lookup by the bare token could never hit.)
  EXPECT_NE(tokens->find(auth.cache_key(token), kNow + 59), nullptr);
  EXPECT_EQ(tokens->find(auth.cache_key(token), kNow + 60), nullptr);
  EXPECT_TRUE(run(auth.authenticate(token, kNow + 119)).ok());
  auto late = run(auth.authenticate(token, kNow + 120));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().reason, "jwt.expired");
}

TEST_F(Fixture, SeveralProvidersPickedByIssuer) {
  auto other = generate_key(Alg::eddsa, "o");
  ValidatorConfig c;
  c.issuer = "https://other.test";
  c.audiences = {"https://gw/mcp"};
  JwtAuthenticator auth({JwtProvider{validator(), make_cache()},
                         JwtProvider{*Validator::create(c), JwksCache::fixed(*parse_jwks(testing::jwks_json({&other})))}},
                        nullptr);
  auto cl = claims();
  cl["iss"] = "https://other.test";
  EXPECT_TRUE(run(auth.authenticate(sign_jwt(other, cl), kNow)).ok());
  EXPECT_TRUE(run(auth.authenticate(sign_jwt(key_a, claims()), kNow)).ok());
  // A token claiming one issuer but signed by the other's key.
  EXPECT_EQ(run(auth.authenticate(sign_jwt(key_a, cl), kNow)).error().reason, "jwt.unknown_kid");
  cl["iss"] = "https://unknown.test";
  EXPECT_EQ(run(auth.authenticate(sign_jwt(other, cl), kNow)).error().reason, "jwt.bad_issuer");
  EXPECT_EQ(auth.authenticate_cached_keys(sign_jwt(other, claims()), kNow).error().reason, "jwt.unknown_kid");
}

TEST_F(Fixture, IntrospectionParsesCallsAndCaches) {
  IntrospectionConfig c;
  c.endpoint = "https://as.test/introspect";
  c.client_id = "gw";
  c.client_secret = "s";
  c.issuer = kIss;
  c.audiences = {"https://gw/mcp"};
  c.cache_ttl = std::chrono::seconds(30);
  net.routes[c.endpoint] = HttpResponse{200, "application/json",
      R"({"active":true,"sub":"svc","client_id":"c1","scope":"a b","aud":["https://gw/mcp"],"iss":")" + kIss +
      R"(","exp":)" + std::to_string(kNow + 100) + "}"};
  Introspector in(net.fetch(), c);
  auto id = run(in.introspect("opaque-1", kNow));
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ((*id)->subject, "svc");
  EXPECT_EQ((*id)->method, "introspection");
  EXPECT_EQ((*id)->scopes, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(net.seen.size(), 1u);
  EXPECT_EQ(net.seen[0].method, "POST");
  EXPECT_EQ(net.seen[0].body, "token=opaque-1&token_type_hint=access_token");
  // Cached for cache_ttl, then asked again.
  EXPECT_TRUE(run(in.introspect("opaque-1", kNow + 29)).ok());
  EXPECT_EQ(in.calls(), 1u);
  EXPECT_TRUE(run(in.introspect("opaque-1", kNow + 31)).ok());
  EXPECT_EQ(in.calls(), 2u);
  net.down = true;
  EXPECT_EQ(run(in.introspect("opaque-2", kNow)).error().code, Errc::unavailable);

  auto parse = [&](std::string body) {
    auto r = parse_introspection(body, c, kNow);
    return r.ok() ? std::string("ok") : r.error().reason;
  };
  EXPECT_EQ(parse(R"({"active":false})"), "introspection.inactive");
  EXPECT_EQ(parse(R"({"active":"true"})"), "introspection.invalid");
  EXPECT_EQ(parse("not json"), "introspection.invalid");
  EXPECT_EQ(parse(R"({"active":true,"aud":"https://gw/mcp","exp":1})"), "jwt.expired");
  EXPECT_EQ(parse(R"({"active":true,"aud":"https://elsewhere"})"), "jwt.bad_audience");
  EXPECT_EQ(parse(R"({"active":true,"aud":"https://gw/mcp","iss":"https://evil"})"), "jwt.bad_issuer");
  EXPECT_EQ(parse(R"({"active":true,"aud":"https://gw/mcp"})"), "ok");
  EXPECT_EQ(parse(R"({"active":true,"aud":"https://gw/mcp","exp":1e20})"), "introspection.invalid");  // fuzzer find
  EXPECT_EQ(parse(R"({"active":true,"aud":"https://gw/mcp","exp":"soon"})"), "introspection.invalid");
  auto machine = parse_introspection(R"({"active":true,"aud":"https://gw/mcp","client_id":"c9"})", c, kNow);
  EXPECT_EQ(machine->subject, "c9");
  EXPECT_EQ(machine->issuer, kIss);
}

}  // namespace
}  // namespace gatehouse::auth
