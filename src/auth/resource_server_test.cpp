#include "auth/resource_server.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "auth/api_keys.hpp"
#include "auth/crypto_util.hpp"
#include "auth/discovery.hpp"
#include "auth/http_fetch.hpp"
#include "auth/token_cache.hpp"

namespace gatehouse::auth {
namespace {

TEST(ResourceMetadata, DocumentAndPaths) {
  ProtectedResource pr;
  pr.resource = "https://gw.example/mcp";
  pr.authorization_servers = {"https://as.example"};
  pr.scopes_supported = {"tools:read", "tools:call"};
  auto doc = boost::json::parse(protected_resource_metadata(pr)).as_object();
  EXPECT_EQ(doc.at("resource").as_string(), "https://gw.example/mcp");
  EXPECT_EQ(doc.at("authorization_servers").as_array().size(), 1u);
  EXPECT_EQ(doc.at("scopes_supported").as_array()[1].as_string(), "tools:call");
  EXPECT_EQ(doc.at("bearer_methods_supported").as_array()[0].as_string(), "header");
  EXPECT_FALSE(doc.contains("resource_name"));

  auto paths = *well_known_paths("https://gw.example/mcp");
  EXPECT_EQ(paths.path_suffixed, "/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(paths.root, "/.well-known/oauth-protected-resource");
  EXPECT_EQ(well_known_paths("https://gw.example/")->path_suffixed, "/.well-known/oauth-protected-resource");
  EXPECT_EQ(*metadata_url("http://127.0.0.1:8080/a/mcp"),
            "http://127.0.0.1:8080/.well-known/oauth-protected-resource/a/mcp");
  EXPECT_FALSE(well_known_paths("gw.example/mcp").ok());
  EXPECT_FALSE(well_known_paths("ftp://gw.example/mcp").ok());
  EXPECT_FALSE(well_known_paths("https://gw.example/mcp#x").ok());
}

TEST(WwwAuthenticate, ChallengesQuoteAndOrder) {
  const std::string meta = "https://gw.example/.well-known/oauth-protected-resource/mcp";
  EXPECT_EQ(www_authenticate_401(meta, {}), "Bearer resource_metadata=\"" + meta + "\"");
  EXPECT_EQ(www_authenticate_401(meta, {"a", "b"}, "invalid_token", "expired \"x\"\r\n"),
            "Bearer error=\"invalid_token\", error_description=\"expired \\\"x\\\"\", resource_metadata=\"" +
                meta + "\", scope=\"a b\"");
  EXPECT_EQ(www_authenticate_403(meta, {"tools:call"}),
            "Bearer error=\"insufficient_scope\", scope=\"tools:call\", resource_metadata=\"" + meta + "\"");
}

TEST(BearerToken, ExtractsToken68) {
  EXPECT_EQ(*bearer_token("Bearer abc.DEF-_~+/=="), "abc.DEF-_~+/==");
  EXPECT_EQ(*bearer_token("bearer   tok "), "tok");
  EXPECT_EQ(bearer_token("").error().reason, "bearer.missing");
  EXPECT_EQ(bearer_token("Basic dXNlcg==").error().reason, "bearer.missing");
  EXPECT_EQ(bearer_token("BearerX abc").error().reason, "bearer.missing");
  EXPECT_EQ(bearer_token("Bearer").error().reason, "bearer.malformed");
  EXPECT_EQ(bearer_token("Bearer    ").error().reason, "bearer.malformed");
  EXPECT_EQ(bearer_token("Bearer a b").error().reason, "bearer.malformed");
  EXPECT_EQ(bearer_token("Bearer a=b").error().reason, "bearer.malformed");
  EXPECT_EQ(bearer_token("Bearer \"abc\"").error().reason, "bearer.malformed");
}

TEST(Discovery, MetadataUrlsAndIssuerCheck) {
  auto root = *metadata_urls("https://as.example");
  EXPECT_EQ(root, (std::vector<std::string>{"https://as.example/.well-known/openid-configuration",
                                            "https://as.example/.well-known/oauth-authorization-server"}));
  auto path = *metadata_urls("https://kc.example/realms/x");
  EXPECT_EQ(path, (std::vector<std::string>{"https://kc.example/realms/x/.well-known/openid-configuration",
                                            "https://kc.example/.well-known/openid-configuration/realms/x",
                                            "https://kc.example/.well-known/oauth-authorization-server/realms/x"}));
  EXPECT_FALSE(metadata_urls("https://as.example?x=1").ok());
  EXPECT_FALSE(metadata_urls("not a url").ok());
  auto m = parse_as_metadata(R"({"issuer":"https://as","jwks_uri":"https://as/jwks","token_endpoint":"https://as/t"})", "https://as");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->jwks_uri, "https://as/jwks");
  EXPECT_EQ(parse_as_metadata(R"({"issuer":"https://evil"})", "https://as").error().reason, "discovery.issuer_mismatch");
  EXPECT_FALSE(parse_as_metadata("[]", "https://as").ok());
}

TEST(Form, EncodingAndBasicAuth) {
  EXPECT_EQ(form_body({{"token", "a b+c/=&"}, {"x", "é"}}), "token=a+b%2Bc%2F%3D%26&x=%C3%A9");
  EXPECT_EQ(basic_authorization("gh", "s3cr:t"), "Basic Z2g6czNjciUzQXQ=");
}

TEST(TokenCacheTest, ExpiryAndLru) {
  TokenCache cache(2);
  auto id = std::make_shared<const Identity>();
  cache.insert("t1", id, 100);
  cache.insert("t2", id, 100);
  EXPECT_EQ(cache.find("t1", 50), id);  // t1 now most recent
  cache.insert("t3", id, 100);           // evicts t2
  EXPECT_EQ(cache.find("t2", 50), nullptr);
  EXPECT_NE(cache.find("t1", 50), nullptr);
  EXPECT_NE(cache.find("t3", 50), nullptr);
  EXPECT_EQ(cache.find("t1", 100), nullptr);  // expired at exp exactly
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find("unknown", 0), nullptr);
  TokenCache off(0);
  off.insert("t", id, 100);
  EXPECT_EQ(off.find("t", 0), nullptr);
}

// The authenticators key entries by their scope (issuers, audiences) then the token, hashed
// without joining them: the same entry as the joined key, and only that one.
TEST(TokenCacheTest, ScopedKeysEqualTheJoinedKey) {
  EXPECT_EQ(sha256("scope\ntok", ""), sha256("scope\ntok"));
  EXPECT_EQ(sha256("scope\n", "tok"), sha256("scope\ntok"));
  EXPECT_EQ(to_hex(sha256("ab", "c")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(sha256("", std::string(1000, 'x')), sha256(std::string(1000, 'x')));
  TokenCache cache(4);
  auto id = std::make_shared<const Identity>();
  cache.insert("https://a\naud\n", "tok", id, 100);
  EXPECT_EQ(cache.find("https://a\naud\n", "tok", 50), id);
  EXPECT_EQ(cache.find("https://a\naud\ntok", 50), id) << "same key as the joined text";
  EXPECT_EQ(cache.find("https://b\naud\n", "tok", 50), nullptr) << "another route's scope";
  EXPECT_EQ(cache.find("", "tok", 50), nullptr);
}

TEST(ApiKeys, HashedConstantTimeLookup) {
  std::vector<ApiKeyEntry> entries{{to_hex(sha256("key-one")), "robot-1", "", {"tools:call"}, {"bot"}, {}},
                                   {to_hex(sha256("key-two")), "robot-2", "ci", {}, {}, {"ops"}}};
  auto store = ApiKeyStore::create(entries);
  ASSERT_TRUE(store.ok());
  auto id = store->authenticate("key-two");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->subject, "robot-2");
  EXPECT_EQ(id->client_id, "ci");
  EXPECT_EQ(id->groups, (std::vector<std::string>{"ops"}));
  EXPECT_EQ(id->issuer, kApiKeyIssuer);
  EXPECT_EQ(id->method, "api_key");
  EXPECT_EQ(store->authenticate("key-one")->roles, (std::vector<std::string>{"bot"}));
  EXPECT_EQ(store->authenticate("key-three").error().reason, "apikey.unknown");
  EXPECT_FALSE(store->authenticate("").ok());
  entries[0].sha256_hex = "abc";
  EXPECT_EQ(ApiKeyStore::create(entries).error().code, Errc::invalid_config);
  entries[0].sha256_hex = std::string(64, 'g');
  EXPECT_FALSE(ApiKeyStore::create(entries).ok());
}

}  // namespace
}  // namespace gatehouse::auth

#include "auth/as_metadata.hpp"

namespace gatehouse::auth {
namespace {

TEST(AsMetadataOverlayTest, FillsGapsWithoutOverriding) {
  AsMetadataOverlay ov;
  ov.registration_endpoint = "https://gw/register";
  ov.scopes_supported = {"tools:call"};
  ov.add_token_auth_none = true;
  auto out = boost::json::parse(*overlay_as_metadata(
      R"({"issuer":"https://idp","token_endpoint_auth_methods_supported":["client_secret_post"]})", ov)).as_object();
  EXPECT_EQ(out.at("issuer").as_string(), "https://idp");
  EXPECT_EQ(out.at("code_challenge_methods_supported").as_array()[0].as_string(), "S256");
  EXPECT_EQ(out.at("registration_endpoint").as_string(), "https://gw/register");
  EXPECT_EQ(out.at("scopes_supported").as_array().size(), 1u);
  EXPECT_EQ(out.at("token_endpoint_auth_methods_supported").as_array().size(), 2u);

  auto kept = boost::json::parse(*overlay_as_metadata(
      R"({"issuer":"https://idp","code_challenge_methods_supported":["S256","plain"],"registration_endpoint":"https://idp/reg","scopes_supported":[]})",
      ov)).as_object();
  EXPECT_EQ(kept.at("code_challenge_methods_supported").as_array().size(), 2u);
  EXPECT_EQ(kept.at("registration_endpoint").as_string(), "https://idp/reg");
  EXPECT_TRUE(kept.at("scopes_supported").as_array().empty());
  ov.replace_registration_endpoint = true;
  EXPECT_NE(overlay_as_metadata(R"({"issuer":"x","registration_endpoint":"https://idp/reg"})", ov)->find("https://gw/register"),
            std::string::npos);
  EXPECT_FALSE(overlay_as_metadata("[]", ov).ok());
  EXPECT_FALSE(overlay_as_metadata(R"({"jwks_uri":"x"})", ov).ok());
}

}  // namespace
}  // namespace gatehouse::auth
