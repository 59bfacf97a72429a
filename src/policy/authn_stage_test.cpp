#include "policy/authn_stage.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "auth/jwk.hpp"
#include "auth/test_keys.hpp"
#include "auth/token_cache.hpp"
#include "auth/jwks_cache.hpp"

namespace gatehouse::policy {
namespace {

namespace http = boost::beast::http;
using auth::testing::generate_key;
using auth::testing::sign_jwt;

constexpr const char* kIssuer = "http://127.0.0.1:4444";
constexpr const char* kAudience = "http://127.0.0.1:8080/mcp";
constexpr const char* kMetadata = "http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp";

class AuthnStageTest : public ::testing::Test {
 protected:
  AuthnStageTest() : key_(generate_key(auth::Alg::es256, "k1")) {
    auto keys = auth::parse_jwks(auth::testing::jwks_json({&key_}));
    EXPECT_TRUE(keys);
    auto validator = auth::Validator::create({.issuer = kIssuer, .audiences = {kAudience}});
    EXPECT_TRUE(validator);
    std::vector<auth::JwtProvider> providers;
    providers.push_back({*validator, auth::JwksCache::fixed(*keys)});
    auth::RouteAuthConfig config;
    config.resource.resource = kAudience;
    config.resource.authorization_servers = {kIssuer};
    config.jwt = providers;
    config.required_scopes = {"mcp:tools"};
    auto cache = std::make_shared<auth::TokenCache>(100);
    auto strict = auth::RouteAuthenticator::create(config, cache);
    config.required_scopes.clear();
    auto open = auth::RouteAuthenticator::create(config, cache);
    EXPECT_TRUE(strict && open);
    stage_ = std::make_unique<AuthnStage>(std::vector<AuthnRoute>{{"/mcp", true, *strict}, {"/open", false, *open}});
  }

  std::string token(boost::json::object claims) {
    boost::json::object base{{"iss", kIssuer}, {"aud", kAudience}, {"sub", "alice"},
                             {"exp", auth::unix_now() + 300}, {"scope", "mcp:tools openid"}};
    for (auto& [k, v] : claims) base[k] = v;
    return sign_jwt(key_, base);
  }

  gateway::Decision run(const std::string& path, const std::string& authorization, std::string* principal = nullptr) {
    net::Request http_request{http::verb::post, path, 11};
    if (!authorization.empty()) http_request.set(http::field::authorization, authorization);
    gateway::PolicyRequest request{http_request};
    request.route_path = path;
    boost::asio::io_context ctx;
    auto fut = boost::asio::co_spawn(ctx, stage_->apply(request), boost::asio::use_future);
    ctx.run();
    auto d = fut.get();
    if (principal) *principal = request.principal;
    return d;
  }

  auth::testing::TestKey key_;
  std::unique_ptr<AuthnStage> stage_;
};

std::string header(const gateway::Decision& d, std::string_view name) {
  if (!d.response) return {};
  auto it = d.response->find(name);
  return it == d.response->end() ? std::string{} : std::string(it->value());
}

TEST_F(AuthnStageTest, MissingTokenGetsAChallengeNamingTheMetadata) {
  auto d = run("/mcp", "");
  ASSERT_EQ(d.kind, gateway::Decision::Kind::respond);
  EXPECT_EQ(d.response->result_int(), 401);
  auto challenge = header(d, "WWW-Authenticate");
  EXPECT_NE(challenge.find(std::string("resource_metadata=\"") + kMetadata + "\""), std::string::npos) << challenge;
  EXPECT_EQ(challenge.find("error="), std::string::npos) << "no error code without a token (RFC 6750)";
}

TEST_F(AuthnStageTest, ValidTokenBindsThePrincipal) {
  std::string principal;
  auto d = run("/mcp", "Bearer " + token({}), &principal);
  EXPECT_EQ(d.kind, gateway::Decision::Kind::proceed);
  EXPECT_EQ(principal.size(), 64u);
}

TEST_F(AuthnStageTest, BadTokensAre401InvalidToken) {
  for (const auto& bad : {token({{"exp", auth::unix_now() - 3600}}), token({{"iss", "http://evil"}}),
                          token({{"aud", "http://other/mcp"}}), std::string("a.b.c"), std::string("garbage")}) {
    auto d = run("/mcp", "Bearer " + bad);
    ASSERT_EQ(d.kind, gateway::Decision::Kind::respond) << bad;
    EXPECT_EQ(d.response->result_int(), 401);
    EXPECT_NE(header(d, "WWW-Authenticate").find("error=\"invalid_token\""), std::string::npos);
  }
  auto malformed = run("/mcp", "Basic Zm9vOmJhcg==");
  EXPECT_EQ(malformed.response->result_int(), 401);
}

TEST_F(AuthnStageTest, MissingScopeIs403StepUp) {
  auto d = run("/mcp", "Bearer " + token({{"scope", "openid"}}));
  ASSERT_EQ(d.kind, gateway::Decision::Kind::respond);
  EXPECT_EQ(d.response->result_int(), 403);
  auto challenge = header(d, "WWW-Authenticate");
  EXPECT_NE(challenge.find("insufficient_scope"), std::string::npos);
  EXPECT_NE(challenge.find("mcp:tools"), std::string::npos);
}

TEST_F(AuthnStageTest, OptionalRouteLetsAnonymousThroughButNotBadTokens) {
  EXPECT_EQ(run("/open", "").kind, gateway::Decision::Kind::proceed);
  EXPECT_EQ(run("/open", "Bearer garbage.x.y").kind, gateway::Decision::Kind::respond);
  EXPECT_EQ(run("/elsewhere", "").kind, gateway::Decision::Kind::proceed);  // no auth configured there
}

}  // namespace
}  // namespace gatehouse::policy
