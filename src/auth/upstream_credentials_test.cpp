#include "auth/upstream_credentials.hpp"

#include <gtest/gtest.h>

#include "auth/test_net.hpp"

namespace gatehouse::auth {
namespace {

using testing::FakeNet;
using testing::run;

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kTokenUrl = "https://as.test/token";

Identity caller(std::string sub, std::vector<std::string> scopes = {"a"}) {
  Identity id;
  id.issuer = "https://as.test";
  id.subject = std::move(sub);
  id.scopes = std::move(scopes);
  id.expires_at = kNow + 1000;
  return id;
}

UpstreamAuthConfig grant(UpstreamAuthKind kind) {
  UpstreamAuthConfig c;
  c.kind = kind;
  c.token_endpoint = kTokenUrl;
  c.client_id = "gw";
  c.client_secret = "secret";
  c.audience = "https://upstream";
  c.refresh_margin = std::chrono::seconds(30);
  return c;
}

std::string header_value(const Result<std::optional<UpstreamHeader>>& r) {
  if (!r.ok()) return "error:" + r.error().reason;
  return *r ? (*r)->name + ": " + (*r)->value : "none";
}

TEST(UpstreamCredentials, NonePassthroughStatic) {
  FakeNet net;
  UpstreamCredentials none(net.fetch(), {});
  EXPECT_EQ(header_value(run(none.header_for(caller("a"), "client-tok", kNow))), "none");
  UpstreamCredentials pass(net.fetch(), UpstreamAuthConfig{UpstreamAuthKind::passthrough});
  EXPECT_EQ(header_value(run(pass.header_for(caller("a"), "client-tok", kNow))), "authorization: Bearer client-tok");
  UpstreamAuthConfig st;
  st.kind = UpstreamAuthKind::static_header;
  st.header_name = "x-api-key";
  st.header_value = "k123";
  UpstreamCredentials fixed(net.fetch(), st);
  EXPECT_EQ(header_value(run(fixed.header_for(caller("a"), "client-tok", kNow))), "x-api-key: k123");
  EXPECT_TRUE(net.seen.empty());
}

TEST(UpstreamCredentials, ClientCredentialsCachedUntilMargin) {
  FakeNet net;
  net.routes[kTokenUrl] = HttpResponse{200, "application/json", R"({"access_token":"cc1","token_type":"Bearer","expires_in":300})"};
  UpstreamCredentials up(net.fetch(), grant(UpstreamAuthKind::client_credentials));
  EXPECT_EQ(header_value(run(up.header_for(caller("a"), "", kNow))), "authorization: Bearer cc1");
  ASSERT_EQ(net.seen.size(), 1u);
  EXPECT_EQ(net.seen[0].body, "grant_type=client_credentials");
  EXPECT_EQ(header_value(run(up.header_for(caller("b"), "", kNow + 269))), "authorization: Bearer cc1");
  EXPECT_EQ(up.token_requests(), 1u);
  net.routes[kTokenUrl].body = R"({"access_token":"cc2","token_type":"bearer","expires_in":300})";
  EXPECT_EQ(header_value(run(up.header_for(caller("a"), "", kNow + 270))), "authorization: Bearer cc2");
  EXPECT_EQ(up.token_requests(), 2u);
}

TEST(UpstreamCredentials, TokenExchangePerPrincipalScopesAndAudience) {
  FakeNet net;
  net.routes[kTokenUrl] = HttpResponse{200, "application/json",
      R"({"access_token":"x1","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":600})"};
  UpstreamCredentials up(net.fetch(), grant(UpstreamAuthKind::token_exchange));
  EXPECT_EQ(header_value(run(up.header_for(caller("alice"), "alice-tok", kNow))), "authorization: Bearer x1");
  ASSERT_EQ(net.seen.size(), 1u);
  const auto& body = net.seen[0].body;
  EXPECT_NE(body.find("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"), std::string::npos);
  EXPECT_NE(body.find("subject_token=alice-tok"), std::string::npos);
  EXPECT_NE(body.find("audience=https%3A%2F%2Fupstream"), std::string::npos);
  // Same principal and scopes: cached. Other principal or other scopes: a new exchange.
  run(up.header_for(caller("alice"), "alice-tok-2", kNow + 10));
  EXPECT_EQ(up.token_requests(), 1u);
  run(up.header_for(caller("bob"), "bob-tok", kNow + 10));
  EXPECT_EQ(up.token_requests(), 2u);
  run(up.header_for(caller("alice", {"a", "b"}), "alice-wide", kNow + 10));
  EXPECT_EQ(up.token_requests(), 3u);
  // Never cached past the caller's own expiry (kNow + 1000, exchange would last to +570).
  auto short_lived = caller("carol");
  short_lived.expires_at = kNow + 5;
  run(up.header_for(short_lived, "carol-tok", kNow));
  run(up.header_for(short_lived, "carol-tok", kNow + 6));
  EXPECT_EQ(up.token_requests(), 5u);
  // Refusal and outage.
  net.routes[kTokenUrl] = HttpResponse{400, "application/json", R"({"error":"invalid_grant"})"};
  auto denied = run(up.header_for(caller("dave"), "dave-tok", kNow));
  EXPECT_EQ(header_value(denied), "error:upstream_auth.denied");
  EXPECT_EQ(denied.error().code, Errc::forbidden);
  net.down = true;
  EXPECT_EQ(run(up.header_for(caller("erin"), "erin-tok", kNow)).error().code, Errc::unavailable);
  EXPECT_EQ(header_value(run(up.header_for(caller("x"), "", kNow))), "error:upstream_auth.denied");
}

TEST(TokenResponseTest, Parser) {
  auto ok = parse_token_response(R"({"access_token":"t","token_type":"Bearer","expires_in":60})", 100);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->expires_at, 160);
  EXPECT_FALSE(parse_token_response(R"({"access_token":"t","token_type":"N_A"})", 0).ok());
  EXPECT_FALSE(parse_token_response(R"({"token_type":"Bearer"})", 0).ok());
  EXPECT_FALSE(parse_token_response(R"({"access_token":"a\r\nx: y","token_type":"Bearer"})", 0).ok());
  EXPECT_FALSE(parse_token_response("nope", 0).ok());
}

}  // namespace
}  // namespace gatehouse::auth
