// AsHelper against a fake network: the metadata document the gateway serves, the
// registration proxy (forward and fixed), client-metadata checks and the registration rate.
#include "auth/as_helper.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "auth/test_net.hpp"

namespace gatehouse::auth {
namespace {

using testing::FakeNet;
using testing::run;

const std::string kIdp = "https://idp.test";

struct AsHelperTest : ::testing::Test {
  AsHelperTest() {
    net.routes[kIdp + "/.well-known/openid-configuration"] = HttpResponse{
        200, "application/json",
        R"({"issuer":"https://idp.test","authorization_endpoint":"https://idp.test/auth","token_endpoint":"https://idp.test/token","registration_endpoint":"https://idp.test/reg","jwks_uri":"https://idp.test/jwks"})"};
  }
  AsHelperConfig config(AsHelperConfig::Registration mode) {
    AsHelperConfig c;
    c.idp_issuer = kIdp;
    c.issuer = "https://gw.test/oauth/mcp";
    c.registration_url = "https://gw.test/oauth/mcp/register";
    c.registration = mode;
    c.initial_access_token = "iat-secret";
    c.client_id = "mcp-public";
    c.allowed_redirect_uris = {"http://127.0.0.1:9/callback", "https://app.test/cb/*"};
    return c;
  }
  static boost::json::object body_of(const HttpResponse& r) { return boost::json::parse(r.body).as_object(); }
  FakeNet net;
};

TEST_F(AsHelperTest, MetadataNamesTheGatewayAndKeepsTheIdpEndpoints) {
  AsHelper h(config(AsHelperConfig::Registration::forward), net.fetch());
  auto r = run(h.metadata());
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = body_of(r);
  EXPECT_EQ(doc["issuer"], "https://gw.test/oauth/mcp");
  EXPECT_EQ(doc["registration_endpoint"], "https://gw.test/oauth/mcp/register");
  EXPECT_EQ(doc["token_endpoint"], "https://idp.test/token");
  EXPECT_EQ(doc["authorization_endpoint"], "https://idp.test/auth");
  EXPECT_EQ(doc["code_challenge_methods_supported"], boost::json::array{"S256"});
}

TEST_F(AsHelperTest, MetadataSurvivesTheIdpGoingDownOnceFetched) {
  auto c = config(AsHelperConfig::Registration::none);
  c.registration_url.clear();
  c.metadata_ttl = std::chrono::seconds(0);  // always try the IdP first
  AsHelper h(c, net.fetch());
  ASSERT_EQ(run(h.metadata()).status, 200);
  net.down = true;
  auto r = run(h.metadata());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r)["registration_endpoint"], "https://idp.test/reg") << "the IdP's own endpoint is kept";

  AsHelper cold(c, net.fetch());
  auto down = run(cold.metadata());
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(body_of(down)["error"], "temporarily_unavailable");
}

TEST_F(AsHelperTest, ForwardSendsTheInitialAccessTokenAndRelaysTheAnswer) {
  net.routes[kIdp + "/reg"] = HttpResponse{201, "application/json", R"({"client_id":"c-123"})"};
  AsHelper h(config(AsHelperConfig::Registration::forward), net.fetch());
  auto r = run(h.register_client(R"({"redirect_uris":["http://127.0.0.1:9/callback"],"client_name":"x"})"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r)["client_id"], "c-123");
  const auto& sent = net.seen.back();
  EXPECT_EQ(sent.url, kIdp + "/reg");
  EXPECT_EQ(sent.method, "POST");
  bool bearer = false;
  for (const auto& [k, v] : sent.headers) bearer = bearer || (k == "Authorization" && v == "Bearer iat-secret");
  EXPECT_TRUE(bearer);
  EXPECT_NE(sent.body.find("client_name"), std::string::npos);

  net.routes[kIdp + "/reg"] = HttpResponse{401, "application/json", R"({"error":"invalid_token"})"};
  EXPECT_EQ(run(h.register_client(R"({"redirect_uris":["https://app.test/cb/1"]})")).status, 401);
  net.down = true;
  EXPECT_EQ(run(h.register_client(R"({"redirect_uris":["https://app.test/cb/1"]})")).status, 503);
}

TEST_F(AsHelperTest, FixedHandsOutTheClientForAllowedRedirectsOnly) {
  AsHelper h(config(AsHelperConfig::Registration::fixed), net.fetch());
  auto ok = run(h.register_client(R"({"redirect_uris":["https://app.test/cb/42"],"client_name":"n"})"));
  ASSERT_EQ(ok.status, 201) << ok.body;
  auto client = body_of(ok);
  EXPECT_EQ(client["client_id"], "mcp-public");
  EXPECT_EQ(client["token_endpoint_auth_method"], "none");
  EXPECT_EQ(client["client_name"], "n");
  EXPECT_FALSE(client.contains("client_secret"));
  auto bad = run(h.register_client(R"({"redirect_uris":["https://evil.test/cb"]})"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(body_of(bad)["error"], "invalid_redirect_uri");
  EXPECT_TRUE(net.seen.empty()) << "fixed mode never calls the IdP";
}

TEST_F(AsHelperTest, ClientMetadataIsChecked) {
  for (const char* good : {R"({"redirect_uris":["https://a.test/cb"]})", R"({"redirect_uris":["http://127.0.0.1:8/cb"]})",
                           R"({"redirect_uris":["http://[::1]:8/cb"]})", R"({"redirect_uris":["com.example.app:/cb"]})"})
    EXPECT_TRUE(AsHelper::check_client_metadata(good).ok()) << good;
  for (const char* bad : {"", "[]", "{", R"({})", R"({"redirect_uris":[]})", R"({"redirect_uris":"https://a.test"})",
                          R"({"redirect_uris":[7]})", R"({"redirect_uris":["http://evil.test/cb"]})",
                          R"({"redirect_uris":["https://a.test/cb#frag"]})", R"({"redirect_uris":["/relative"]})",
                          R"x({"redirect_uris":["javascript:alert(1)"]})x"})
    EXPECT_FALSE(AsHelper::check_client_metadata(bad).ok()) << bad;
  std::string many = R"({"redirect_uris":[)";
  for (int i = 0; i < 21; ++i) many += std::string(i ? "," : "") + R"("https://a.test/)" + std::to_string(i) + "\"";
  EXPECT_FALSE(AsHelper::check_client_metadata(many + "]}").ok());
  EXPECT_FALSE(AsHelper::check_client_metadata(std::string(70000, ' ') + "{}").ok());
}

TEST_F(AsHelperTest, RedirectAllowListIsExactOrPrefix) {
  std::vector<std::string> allowed{"http://127.0.0.1:9/callback", "https://app.test/cb/*"};
  EXPECT_TRUE(AsHelper::redirect_allowed(allowed, "http://127.0.0.1:9/callback"));
  EXPECT_FALSE(AsHelper::redirect_allowed(allowed, "http://127.0.0.1:9/callback2"));
  EXPECT_TRUE(AsHelper::redirect_allowed(allowed, "https://app.test/cb/x"));
  EXPECT_FALSE(AsHelper::redirect_allowed(allowed, "https://app.test/other"));
}

TEST_F(AsHelperTest, RegistrationsAreRateLimited) {
  auto c = config(AsHelperConfig::Registration::fixed);
  c.registrations_per_minute = 2;
  AsHelper h(c, net.fetch());
  const std::string body = R"({"redirect_uris":["https://app.test/cb/1"]})";
  EXPECT_EQ(run(h.register_client(body)).status, 201);
  EXPECT_EQ(run(h.register_client(body)).status, 201);
  EXPECT_EQ(run(h.register_client(body)).status, 429);
}

}  // namespace
}  // namespace gatehouse::auth
