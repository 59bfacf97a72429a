#include "auth/validator.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "auth/base64url.hpp"
#include "auth/test_keys.hpp"

namespace gatehouse::auth {
namespace {

using testing::generate_key;
using testing::sign_jwt;
using testing::TestKey;

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kIss = "https://as.example";
const std::string kAud = "https://mcp.example/mcp";

class ValidatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new TestKey(generate_key(Alg::rs256, "rsa"));
    ec_ = new TestKey(generate_key(Alg::es256, "ec"));
  }
  void SetUp() override {
    keys_ = *parse_jwks(testing::jwks_json({rsa_, ec_}));
    ValidatorConfig c;
    c.issuer = kIss;
    c.audiences = {kAud};
    c.leeway = std::chrono::seconds(30);
    c.claim_paths.roles = {"realm_access.roles"};
    validator_.emplace(*Validator::create(c));
  }
  static boost::json::object claims() {
    return {{"iss", kIss}, {"aud", kAud}, {"sub", "alice"}, {"exp", kNow + 600},
            {"iat", kNow - 10}, {"scope", "tools:read tools:call"}, {"client_id", "cli"},
            {"realm_access", {{"roles", {"admin", "dev"}}}}};
  }
  std::string why(const std::string& token, const Validator* v = nullptr) {
    auto r = (v ? *v : *validator_).validate(token, keys_, kNow);
    return r.ok() ? "ok" : r.error().reason;
  }
  static TestKey* rsa_;
  static TestKey* ec_;
  JwkSet keys_;
  std::optional<Validator> validator_;
};
TestKey* ValidatorTest::rsa_ = nullptr;
TestKey* ValidatorTest::ec_ = nullptr;

TEST_F(ValidatorTest, AcceptsAndBuildsIdentity) {
  auto r = validator_->validate(sign_jwt(*rsa_, claims()), keys_, kNow);
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_EQ(r->subject, "alice");
  EXPECT_EQ(r->issuer, kIss);
  EXPECT_EQ(r->client_id, "cli");
  EXPECT_EQ(r->scopes, (std::vector<std::string>{"tools:read", "tools:call"}));
  EXPECT_EQ(r->roles, (std::vector<std::string>{"admin", "dev"}));
  EXPECT_EQ(r->expires_at, kNow + 600);
  EXPECT_EQ(r->method, "jwt");
  EXPECT_EQ(why(sign_jwt(*ec_, claims())), "ok");
}

TEST_F(ValidatorTest, AudienceArrayExactMatch) {
  auto c = claims();
  c["aud"] = boost::json::array{"other", kAud};
  EXPECT_EQ(why(sign_jwt(*rsa_, c)), "ok");
  c["aud"] = kAud + "/";
  EXPECT_EQ(why(sign_jwt(*rsa_, c)), "jwt.bad_audience");
  c["aud"] = "https://mcp.example";
  EXPECT_EQ(why(sign_jwt(*rsa_, c)), "jwt.bad_audience");
  c.erase("aud");
  EXPECT_EQ(why(sign_jwt(*rsa_, c)), "jwt.bad_audience");
}

TEST_F(ValidatorTest, IssuerExact) {
  auto c = claims();
  c["iss"] = kIss + "/";
  EXPECT_EQ(why(sign_jwt(*rsa_, c)), "jwt.bad_issuer");
  c["iss"] = 5;
  EXPECT_EQ(why(sign_jwt(*rsa_, c)), "jwt.bad_issuer");
}

TEST_F(ValidatorTest, TimeClaimsWithBoundedSkew) {
  auto c = claims();
  c["exp"] = kNow - 29;  // within 30 s leeway
  EXPECT_EQ(why(sign_jwt(*rsa_, c)), "ok");
  c["exp"] = kNow - 31;
  EXPECT_EQ(why(sign_jwt(*rsa_, c)), "jwt.expired");
  c = claims();
  c["nbf"] = kNow + 29;
  EXPECT_EQ(why(sign_jwt(*rsa_, c)), "ok");
  c["nbf"] = kNow + 3600;
  EXPECT_EQ(why(sign_jwt(*rsa_, c)), "jwt.not_yet_valid");
  c = claims();
  c["iat"] = kNow + 3600;
  EXPECT_EQ(why(sign_jwt(*rsa_, c)), "jwt.issued_in_future");
  c = claims();
  c["exp"] = "tomorrow";
  EXPECT_EQ(why(sign_jwt(*rsa_, c)), "jwt.malformed");
  c.erase("exp");
  EXPECT_EQ(why(sign_jwt(*rsa_, c)), "jwt.missing_claim");
  c["exp"] = static_cast<double>(kNow + 100) + 0.5;  // fractional NumericDate is legal
  EXPECT_EQ(why(sign_jwt(*rsa_, c)), "ok");
}

TEST_F(ValidatorTest, AlgorithmAttacks) {
  // alg none: header says none, signature empty.
  boost::json::object none_header{{"alg", "none"}};
  auto payload = base64url_encode(boost::json::serialize(claims()));
  std::string none = base64url_encode(boost::json::serialize(none_header)) + "." + payload + ".";
  EXPECT_EQ(why(none), "jwt.malformed");
  EXPECT_EQ(why(none + "AAAA"), "jwt.alg_not_allowed");
  // HS256 using the RSA public key JWK text as the secret: never an accepted algorithm.
  boost::json::object hs{{"alg", "HS256"}, {"kid", "rsa"}};
  EXPECT_EQ(why(base64url_encode(boost::json::serialize(hs)) + "." + payload + ".AAAA"), "jwt.alg_not_allowed");
  // An ES256 label on the RSA key's kid.
  auto relabelled = sign_jwt(*rsa_, claims(), "JWT", {{"alg", "ES256"}});
  EXPECT_EQ(why(relabelled), "jwt.key_mismatch");
  // Unknown kid and tampered payload.
  auto other = generate_key(Alg::rs256, "nobody");
  EXPECT_EQ(why(sign_jwt(other, claims())), "jwt.unknown_kid");
  auto token = sign_jwt(*rsa_, claims());
  auto c = claims();
  c["sub"] = "mallory";
  auto dot1 = token.find('.'), dot2 = token.rfind('.');
  auto tampered = token.substr(0, dot1 + 1) + base64url_encode(boost::json::serialize(c)) + token.substr(dot2);
  EXPECT_EQ(why(tampered), "jwt.bad_signature");
  // Embedded keys in the header are ignored, never trusted.
  auto attacker = generate_key(Alg::rs256, "rsa");
  EXPECT_EQ(why(sign_jwt(attacker, claims(), "JWT", {{"jwk", attacker.public_jwk()}})), "jwt.bad_signature");
}

TEST_F(ValidatorTest, NoKidTriesFittingKeysOnly) {
  TestKey nokid = *rsa_;
  nokid.kid.clear();
  EXPECT_EQ(why(sign_jwt(nokid, claims())), "ok");
  auto ed = generate_key(Alg::eddsa, "");
  EXPECT_EQ(why(sign_jwt(ed, claims())), "jwt.unknown_kid");
}

TEST_F(ValidatorTest, AllowListTypAndRequiredClaims) {
  ValidatorConfig c = validator_->config();
  c.algorithms = {Alg::es256};
  c.require_at_jwt = true;
  c.required_claims = {"client_id", "realm_access.roles"};
  auto v = *Validator::create(c);
  EXPECT_EQ(why(sign_jwt(*rsa_, claims(), "at+jwt"), &v), "jwt.alg_not_allowed");
  EXPECT_EQ(why(sign_jwt(*ec_, claims(), "JWT"), &v), "jwt.bad_typ");
  EXPECT_EQ(why(sign_jwt(*ec_, claims(), "at+jwt"), &v), "ok");
  EXPECT_EQ(why(sign_jwt(*ec_, claims(), "application/at+jwt"), &v), "ok");
  auto cl = claims();
  cl.erase("realm_access");
  EXPECT_EQ(why(sign_jwt(*ec_, cl, "at+jwt"), &v), "jwt.missing_claim");
}

TEST(ValidatorConfigTest, RejectsUnsafeConfig) {
  ValidatorConfig c;
  EXPECT_FALSE(Validator::create(c).ok());
  c.issuer = "x";
  EXPECT_FALSE(Validator::create(c).ok());
  c.audiences = {"a"};
  c.leeway = std::chrono::seconds(3600);
  EXPECT_EQ(Validator::create(c).error().code, Errc::invalid_config);
  c.leeway = std::chrono::seconds(60);
  EXPECT_TRUE(Validator::create(c).ok());
}

TEST(IdentityTest, ClaimPathsScopesAndPrincipalKey) {
  boost::json::object claims{{"sub", "s"}, {"iss", "i"}, {"azp", "app"}, {"scp", {"a", "b"}},
                             {"https://ex.com/roles", {"r1"}}, {"groups", "g1"},
                             {"resource_access", {{"gh", {{"roles", {"r2", "r1"}}}}}}};
  ClaimPaths paths;
  paths.roles = {"https://ex.com/roles", "resource_access.gh.roles", "missing.path"};
  auto id = identity_from_claims(claims, paths, "jwt");
  EXPECT_EQ(id.client_id, "app");
  EXPECT_EQ(id.scopes, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(id.roles, (std::vector<std::string>{"r1", "r2"}));
  EXPECT_EQ(id.groups, (std::vector<std::string>{"g1"}));
  EXPECT_EQ(id.missing_scopes({"a", "c"}), (std::vector<std::string>{"c"}));
  EXPECT_EQ(id.principal_key().size(), 64u);
  auto other = id;
  other.subject = "s2";
  EXPECT_NE(id.principal_key(), other.principal_key());
  // issuer/subject boundaries cannot be shifted to collide.
  Identity a, b;
  a.issuer = "ab"; a.subject = "c";
  b.issuer = "a"; b.subject = "bc";
  EXPECT_NE(a.principal_key(), b.principal_key());
  // Shared identities carry their key computed once; an edited copy computes its own.
  const std::string computed = id.principal_key();
  auto shared = share_identity(id);
  EXPECT_EQ(shared->memo_key, computed);
  EXPECT_EQ(shared->principal_key(), computed);
  Identity edited = *shared;
  edited.subject = "s2";
  EXPECT_EQ(edited.principal_key(), other.principal_key());
  edited.subject = id.subject;
  edited.issuer += "x";
  EXPECT_NE(edited.principal_key(), computed);
  Identity shifted = *shared;  // same material length, other split
  shifted.issuer = id.issuer + id.subject.substr(0, 1);
  shifted.subject = id.subject.substr(1);
  EXPECT_NE(shifted.principal_key(), computed);
  EXPECT_EQ(find_claim(claims, "resource_access.gh.roles")->as_array().size(), 2u);
  EXPECT_EQ(find_claim(claims, "sub.x"), nullptr);
  // An absurd exp (fuzzer find: float-to-int overflow) is ignored, not converted.
  EXPECT_EQ(identity_from_claims({{"exp", 1e20}}, paths, "jwt").expires_at, 0);
  EXPECT_EQ(identity_from_claims({{"exp", -5}}, paths, "jwt").expires_at, 0);
}

}  // namespace
}  // namespace gatehouse::auth
