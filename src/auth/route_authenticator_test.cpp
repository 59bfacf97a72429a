#include "auth/route_authenticator.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "auth/crypto_util.hpp"
#include "auth/test_keys.hpp"
#include "auth/test_net.hpp"

namespace gatehouse::auth {
namespace {

using testing::FakeNet;
using testing::run;

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kIss = "https://as.test";
const std::string kResource = "https://gw.test/mcp";
const std::string kMeta = "https://gw.test/.well-known/oauth-protected-resource/mcp";

struct RouteAuth : ::testing::Test {
  RouteAuth() : key(testing::generate_key(Alg::es256, "k")) {
    net.routes["https://as.test/introspect"] = HttpResponse{200, "application/json",
        R"({"active":true,"sub":"opaque-user","scope":"tools:call","aud":")" + kResource + R"("})"};
  }
  std::shared_ptr<const RouteAuthenticator> make(std::vector<std::string> required = {}, bool with_introspection = true) {
    RouteAuthConfig c;
    c.resource.resource = kResource;
    c.resource.authorization_servers = {kIss};
    c.resource.scopes_supported = {"tools:call"};
    ValidatorConfig v;
    v.issuer = kIss;
    v.audiences = {kResource};
    c.jwt.push_back(JwtProvider{*Validator::create(v), JwksCache::fixed(*parse_jwks(testing::jwks_json({&key})))});
    if (with_introspection) {
      IntrospectionConfig ic;
      ic.endpoint = "https://as.test/introspect";
      ic.audiences = {kResource};
      c.introspection = std::make_shared<Introspector>(net.fetch(), ic);
    }
    c.api_keys = std::make_shared<const ApiKeyStore>(*ApiKeyStore::create({{to_hex(sha256("k-123")), "robot", "", {"tools:call"}, {}, {}}}));
    c.required_scopes = std::move(required);
    return *RouteAuthenticator::create(std::move(c), std::make_shared<TokenCache>(100));
  }
  std::string jwt(std::string scope = "tools:call") {
    return testing::sign_jwt(key, {{"iss", kIss}, {"aud", kResource}, {"sub", "alice"}, {"exp", kNow + 60}, {"scope", scope}});
  }
  FakeNet net;
  testing::TestKey key;
};

TEST_F(RouteAuth, MissingCredentialIs401WithMetadataAndNoErrorCode) {
  auto r = run(make()->authenticate("", "", kNow));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.challenge->status, 401);
  EXPECT_EQ(r.challenge->reason, "bearer.missing");
  EXPECT_EQ(r.challenge->www_authenticate, "Bearer resource_metadata=\"" + kMeta + "\", scope=\"tools:call\"");
}

TEST_F(RouteAuth, JwtOpaqueAndApiKey) {
  auto auth = make();
  auto token = jwt();
  auto a = run(auth->authenticate("Bearer " + token, "", kNow));
  ASSERT_TRUE(a.ok()) << a.challenge->reason;
  EXPECT_EQ(a.identity->subject, "alice");
  EXPECT_EQ(a.token, token);
  auto b = run(auth->authenticate("Bearer opaque-abc", "", kNow));
  ASSERT_TRUE(b.ok()) << b.challenge->reason;
  EXPECT_EQ(b.identity->subject, "opaque-user");
  auto c = run(auth->authenticate("", "k-123", kNow));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.identity->method, "api_key");
  auto d = run(auth->authenticate("", "wrong", kNow));
  EXPECT_EQ(d.challenge->reason, "apikey.unknown");
  EXPECT_EQ(d.challenge->status, 401);
  // Without introspection an opaque bearer may be an API key.
  auto no_introspection = make({}, false);
  EXPECT_EQ(run(no_introspection->authenticate("Bearer k-123", "", kNow)).identity->subject, "robot");
  EXPECT_EQ(run(no_introspection->authenticate("Bearer nope", "", kNow)).challenge->reason, "apikey.unknown");
}

TEST_F(RouteAuth, BadTokenIs401InvalidToken) {
  auto impostor = testing::generate_key(Alg::es256, "k");  // same kid, other key
  auto forged = testing::sign_jwt(impostor, {{"iss", kIss}, {"aud", kResource}, {"sub", "alice"}, {"exp", kNow + 60}});
  auto r = run(make()->authenticate("Bearer " + forged, "", kNow));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.challenge->status, 401);
  EXPECT_EQ(r.challenge->reason, "jwt.bad_signature");
  EXPECT_EQ(r.challenge->www_authenticate.rfind("Bearer error=\"invalid_token\"", 0), 0u);
  EXPECT_NE(r.challenge->www_authenticate.find("resource_metadata=\"" + kMeta + "\""), std::string::npos);
}

TEST_F(RouteAuth, IntrospectionOutageIs503) {
  net.down = true;
  auto r = run(make()->authenticate("Bearer opaque-x", "", kNow));
  EXPECT_EQ(r.challenge->status, 503);
  EXPECT_TRUE(r.challenge->www_authenticate.empty());
}

TEST_F(RouteAuth, ScopesStepUp) {
  auto auth = make({"tools:call"});
  auto r = run(auth->authenticate("Bearer " + jwt("tools:read"), "", kNow));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.challenge->status, 403);
  EXPECT_EQ(r.challenge->www_authenticate,
            "Bearer error=\"insufficient_scope\", scope=\"tools:call\", resource_metadata=\"" + kMeta + "\"");
  auto ok = run(auth->authenticate("Bearer " + jwt("tools:read tools:call"), "", kNow));
  ASSERT_TRUE(ok.ok());
  auto tool = auth->require_scopes(*ok.identity, {"tools:call", "admin"});
  ASSERT_TRUE(tool);
  EXPECT_NE(tool->www_authenticate.find("scope=\"tools:call admin\""), std::string::npos);
  EXPECT_FALSE(auth->require_scopes(*ok.identity, {"tools:read"}));
}

TEST_F(RouteAuth, MetadataPathsAndConfigErrors) {
  auto auth = make();
  EXPECT_TRUE(auth->metadata_for_path("/.well-known/oauth-protected-resource/mcp"));
  EXPECT_TRUE(auth->metadata_for_path("/.well-known/oauth-protected-resource"));
  EXPECT_FALSE(auth->metadata_for_path("/.well-known/oauth-protected-resource/other"));
  EXPECT_EQ(auth->metadata_url(), kMeta);
  RouteAuthConfig empty;
  empty.resource.resource = kResource;
  EXPECT_EQ(RouteAuthenticator::create(empty, nullptr).error().code, Errc::invalid_config);
  RouteAuthConfig bad_url;
  bad_url.resource.resource = "/mcp";
  bad_url.api_keys = std::make_shared<const ApiKeyStore>();
  EXPECT_FALSE(RouteAuthenticator::create(bad_url, nullptr).ok());
}

// One token cache serves every route: a token verified for one route's audience must not be
// accepted, from the cache, on a route with another audience.
TEST_F(RouteAuth, SharedTokenCacheKeepsRoutesApart) {
  auto cache = std::make_shared<TokenCache>(100);
  auto route = [&](const std::string& audience) {
    RouteAuthConfig c;
    c.resource.resource = audience;
    ValidatorConfig v;
    v.issuer = kIss;
    v.audiences = {audience};
    c.jwt.push_back(JwtProvider{*Validator::create(v), JwksCache::fixed(*parse_jwks(testing::jwks_json({&key})))});
    return *RouteAuthenticator::create(std::move(c), cache);
  };
  auto a = route(kResource);
  auto b = route("https://gw.test/other");
  auto token = jwt();
  ASSERT_TRUE(run(a->authenticate("Bearer " + token, "", kNow)).ok());
  auto again = run(a->authenticate("Bearer " + token, "", kNow));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(cache->size(), 1u);
  auto other = run(b->authenticate("Bearer " + token, "", kNow));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.challenge->reason, "jwt.bad_audience");
}

// A route with a JWT issuer and a SPIFFE trust domain: each token goes to the method it names.
struct FixedBundle final : JwtBundleSource {
  std::shared_ptr<const JwkSet> keys;
  std::shared_ptr<const JwkSet> current(std::string_view td) const override { return td == "example.org" ? keys : nullptr; }
};

TEST_F(RouteAuth, JwtSvidBesideJwt) {
  auto svid_key = testing::generate_key(Alg::es256, "svid");
  auto bundle = std::make_shared<FixedBundle>();
  auto member = svid_key.public_jwk();
  member.erase("use");
  member["use"] = "jwt-svid";
  bundle->keys = std::make_shared<const JwkSet>(
      *parse_jwt_bundle(boost::json::serialize(boost::json::object{{"keys", boost::json::array{member}}})));
  RouteAuthConfig c;
  c.resource.resource = kResource;
  ValidatorConfig v;
  v.issuer = kIss;
  v.audiences = {kResource};
  c.jwt.push_back(JwtProvider{*Validator::create(v), JwksCache::fixed(*parse_jwks(testing::jwks_json({&key})))});
  c.jwt_svid.push_back(JwtSvidProvider{*JwtSvidValidator::create({"example.org", "spiffe://example.org/gw", std::chrono::seconds(60), {"tools:call"}}), bundle});
  c.required_scopes = {"tools:call"};
  auto auth = *RouteAuthenticator::create(std::move(c), std::make_shared<TokenCache>(100));

  auto a = run(auth->authenticate("Bearer " + jwt(), "", kNow));
  ASSERT_TRUE(a.ok()) << a.challenge->reason;
  EXPECT_EQ(a.identity->method, "jwt");
  boost::json::object svid{{"sub", "spiffe://example.org/agent"}, {"aud", "spiffe://example.org/gw"}, {"exp", kNow + 60}};
  auto b = run(auth->authenticate("Bearer " + testing::sign_jwt(svid_key, svid), "", kNow));
  ASSERT_TRUE(b.ok()) << b.challenge->reason;
  EXPECT_EQ(b.identity->method, "jwt-svid");
  EXPECT_EQ(b.identity->subject, "spiffe://example.org/agent");
  EXPECT_TRUE(b.identity->has_scope("tools:call"));  // the route's scopes: required_scopes pass
  // An SVID carrying our JWT issuer's iss is judged as a JWT (and its key is unknown there).
  svid["iss"] = kIss;
  auto c2 = run(auth->authenticate("Bearer " + testing::sign_jwt(svid_key, svid), "", kNow));
  EXPECT_EQ(c2.challenge->reason, "jwt.unknown_kid");
  // Neither an issuer nor a trust domain of ours: the JWT path answers.
  svid.erase("iss");
  svid["sub"] = "spiffe://other.org/agent";
  auto d = run(auth->authenticate("Bearer " + testing::sign_jwt(svid_key, svid), "", kNow));
  EXPECT_EQ(d.challenge->status, 401);
  EXPECT_EQ(d.challenge->reason, "jwt.bad_issuer");
}

}  // namespace
}  // namespace gatehouse::auth
