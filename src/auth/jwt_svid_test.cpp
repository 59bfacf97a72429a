#include "auth/jwt_svid.hpp"

#include <gtest/gtest.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <cstdio>
#include <fstream>
#include <thread>

#include "auth/base64url.hpp"
#include "auth/test_keys.hpp"

namespace gatehouse::auth {
namespace {

using testing::generate_key;
using testing::sign_jwt;
using testing::TestKey;

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kAud = "spiffe://example.org/gatehouse";
const std::string kSub = "spiffe://example.org/agent/billing";

boost::json::object bundle_member(const TestKey& k, std::string use) {
  auto o = k.public_jwk();
  o.erase("alg");
  o.erase("use");
  o["use"] = std::move(use);
  return o;
}

std::string bundle_json(std::initializer_list<std::pair<const TestKey*, std::string>> keys) {
  boost::json::array members;
  for (const auto& [k, use] : keys) members.push_back(bundle_member(*k, use));
  return boost::json::serialize(boost::json::object{{"keys", members}, {"spiffe_sequence", 7}});
}

class JwtSvidTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ec_ = new TestKey(generate_key(Alg::es256, "ec-1"));
    rsa_ = new TestKey(generate_key(Alg::rs256, "rsa-1"));
    x509_ = new TestKey(generate_key(Alg::es256, "x509-1"));
  }
  void SetUp() override {
    auto set = parse_jwt_bundle(bundle_json({{ec_, "jwt-svid"}, {rsa_, "jwt-svid"}, {x509_, "x509-svid"}}));
    ASSERT_TRUE(set) << set.error().message;
    bundle_ = std::move(*set);
    JwtSvidConfig c;
    c.trust_domain = "example.org";
    c.audience = kAud;
    c.leeway = std::chrono::seconds(30);
    auto v = JwtSvidValidator::create(c);
    ASSERT_TRUE(v) << v.error().message;
    validator_.emplace(std::move(*v));
  }
  static boost::json::object claims() { return {{"sub", kSub}, {"aud", {kAud}}, {"exp", kNow + 300}, {"iat", kNow}}; }
  std::string why(const std::string& token) {
    auto r = validator_->validate(token, bundle_, kNow);
    return r ? "ok" : r.error().reason;
  }
  static TestKey* ec_;
  static TestKey* rsa_;
  static TestKey* x509_;
  JwkSet bundle_;
  std::optional<JwtSvidValidator> validator_;
};
TestKey* JwtSvidTest::ec_ = nullptr;
TestKey* JwtSvidTest::rsa_ = nullptr;
TestKey* JwtSvidTest::x509_ = nullptr;

TEST_F(JwtSvidTest, BundleKeepsOnlyJwtAuthorities) {
  EXPECT_EQ(bundle_.keys.size(), 2u);
  EXPECT_EQ(bundle_.skipped, 1u);
  EXPECT_FALSE(bundle_.has_kid("x509-1"));
}

TEST_F(JwtSvidTest, AcceptsEs256AndRs256AndBuildsIdentity) {
  auto r = validator_->validate(sign_jwt(*ec_, claims()), bundle_, kNow);
  ASSERT_TRUE(r) << r.error().reason;
  EXPECT_EQ(r->method, "jwt-svid");
  EXPECT_EQ(r->subject, kSub);
  EXPECT_EQ(r->issuer, "spiffe://example.org");
  EXPECT_EQ(r->client_id, kSub);
  EXPECT_EQ(r->expires_at, kNow + 300);
  EXPECT_EQ(r->claims.at("sub").as_string(), kSub);
  EXPECT_EQ(why(sign_jwt(*rsa_, claims())), "ok");
  // aud as a plain string, typ JOSE, no typ at all: all fine by the standard.
  auto c = claims();
  c["aud"] = kAud;
  EXPECT_EQ(why(sign_jwt(*ec_, c, "JOSE")), "ok");
  EXPECT_EQ(why(sign_jwt(*ec_, c, "")), "ok");
}

TEST_F(JwtSvidTest, RolesInClaimsAreNotRoles) {
  auto c = claims();
  c["roles"] = boost::json::array{"admin"};
  auto r = validator_->validate(sign_jwt(*ec_, c), bundle_, kNow);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->roles.empty());
}

TEST_F(JwtSvidTest, SubjectMustBeASpiffeIdOfTheTrustDomain) {
  auto c = claims();
  c["sub"] = "spiffe://evil.org/agent/billing";
  EXPECT_EQ(why(sign_jwt(*ec_, c)), "jwtsvid.untrusted_domain");
  c["sub"] = "spiffe://example.org.evil/agent";
  EXPECT_EQ(why(sign_jwt(*ec_, c)), "jwtsvid.untrusted_domain");
  for (const char* bad : {"alice", "https://example.org/agent", "spiffe://example.org/a/../b", "spiffe://Example.org/a",
                          "spiffe://example.org/a/"}) {
    c["sub"] = bad;
    EXPECT_EQ(why(sign_jwt(*ec_, c)), "jwtsvid.bad_subject") << bad;
  }
  c.erase("sub");
  EXPECT_EQ(why(sign_jwt(*ec_, c)), "jwtsvid.bad_subject");
  c["sub"] = 42;
  EXPECT_EQ(why(sign_jwt(*ec_, c)), "jwtsvid.bad_subject");
}

TEST_F(JwtSvidTest, AudienceMustBePresentAndContainOurs) {
  auto c = claims();
  c.erase("aud");
  EXPECT_EQ(why(sign_jwt(*ec_, c)), "jwtsvid.bad_audience");
  c["aud"] = "spiffe://example.org/other";
  EXPECT_EQ(why(sign_jwt(*ec_, c)), "jwtsvid.bad_audience");
  c["aud"] = boost::json::array{};
  EXPECT_EQ(why(sign_jwt(*ec_, c)), "jwtsvid.bad_audience");
  c["aud"] = boost::json::array{"spiffe://example.org/other", kAud};
  EXPECT_EQ(why(sign_jwt(*ec_, c)), "ok");
}

TEST_F(JwtSvidTest, ExpiryRequiredAndEnforcedWithLeeway) {
  auto c = claims();
  c.erase("exp");
  EXPECT_EQ(why(sign_jwt(*ec_, c)), "jwtsvid.missing_claim");
  c["exp"] = kNow - 31;
  EXPECT_EQ(why(sign_jwt(*ec_, c)), "jwtsvid.expired");
  c["exp"] = kNow - 29;  // within the 30 s leeway
  EXPECT_EQ(why(sign_jwt(*ec_, c)), "ok");
  c["exp"] = "tomorrow";
  EXPECT_EQ(why(sign_jwt(*ec_, c)), "jwtsvid.malformed");
  c["exp"] = kNow + 300;
  c["nbf"] = kNow + 100;
  EXPECT_EQ(why(sign_jwt(*ec_, c)), "jwtsvid.not_yet_valid");
}

TEST_F(JwtSvidTest, NoIssuerRule) {
  auto c = claims();
  c["iss"] = "https://anything.example";
  EXPECT_EQ(why(sign_jwt(*ec_, c)), "ok");
}

TEST_F(JwtSvidTest, AlgorithmNoneAndHmacAreRefused) {
  std::string payload = base64url_encode(boost::json::serialize(claims()));
  boost::json::object none_header{{"alg", "none"}, {"kid", "ec-1"}};
  std::string none = base64url_encode(boost::json::serialize(none_header)) + "." + payload + ".AAAA";
  EXPECT_EQ(why(none), "jwtsvid.alg_not_allowed");
  // HS256 keyed with the public JWK text (the classic confusion): refused before any key use.
  boost::json::object hs{{"alg", "HS256"}, {"kid", "rsa-1"}};
  std::string input = base64url_encode(boost::json::serialize(hs)) + "." + payload;
  std::string secret = boost::json::serialize(rsa_->public_jwk());
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  std::string token = input + "." + base64url_encode(std::string_view(reinterpret_cast<char*>(mac), len));
  EXPECT_EQ(why(token), "jwtsvid.alg_not_allowed");
  // EdDSA is not among the JWT-SVID algorithms even though the JWT code knows it.
  auto ed = generate_key(Alg::eddsa, "ed");
  EXPECT_EQ(why(sign_jwt(ed, claims())), "jwtsvid.alg_not_allowed");
}

TEST_F(JwtSvidTest, BadTypIsRefused) { EXPECT_EQ(why(sign_jwt(*ec_, claims(), "at+jwt")), "jwtsvid.bad_typ"); }

TEST_F(JwtSvidTest, KeysForX509SvidsAndUnknownKidsDoNotVerify) {
  EXPECT_EQ(why(sign_jwt(*x509_, claims())), "jwtsvid.unknown_kid");
  auto stranger = generate_key(Alg::es256, "ec-1");  // our kid, another key
  EXPECT_EQ(why(sign_jwt(stranger, claims())), "jwtsvid.bad_signature");
  auto unknown = generate_key(Alg::es256, "nobody");
  EXPECT_EQ(why(sign_jwt(unknown, claims())), "jwtsvid.unknown_kid");
  // ES256 header on the RSA kid: the key does not allow the algorithm.
  std::string token = sign_jwt(*ec_, claims(), "JWT", {{"kid", "rsa-1"}});
  EXPECT_EQ(why(token), "jwtsvid.key_mismatch");
}

TEST_F(JwtSvidTest, MalformedTokens) {
  EXPECT_EQ(why("a.b"), "jwtsvid.malformed");
  EXPECT_EQ(why("e30.e30.AAAA"), "jwtsvid.malformed");  // {} header: no alg
}

TEST(JwtSvidConfig, CreateChecksTheConfig) {
  EXPECT_FALSE(JwtSvidValidator::create({"Example.org", "aud", std::chrono::seconds(60), {}}));
  EXPECT_FALSE(JwtSvidValidator::create({"example.org", "", std::chrono::seconds(60), {}}));
  EXPECT_FALSE(JwtSvidValidator::create({"example.org", "aud", std::chrono::seconds(301), {}}));
  EXPECT_TRUE(JwtSvidValidator::create({"example.org", "aud", std::chrono::seconds(60), {}}));
}

TEST(JwtBundle, MalformedBundlesNameTheField) {
  auto msg = [](std::string_view json) {
    auto r = parse_jwt_bundle(json);
    return r ? std::string("ok") : r.error().message;
  };
  EXPECT_EQ(msg("not json"), "bundle: not a JSON object");
  EXPECT_EQ(msg("[]"), "bundle: not a JSON object");
  EXPECT_EQ(msg(R"({"spiffe_sequence":1})"), "bundle: keys: missing or not an array");
  EXPECT_EQ(msg(R"({"keys":{}})"), "bundle: keys: missing or not an array");
  EXPECT_EQ(msg(R"({"keys":[1]})"), "bundle: keys[0]: not an object");
  EXPECT_EQ(msg(R"({"keys":[{"use":"jwt-svid","kty":"EC","crv":"P-256","x":"AA","y":"AA"}]})"),
            "bundle: keys[0]: a jwt-svid key needs a kid");
  EXPECT_NE(msg(R"({"keys":[{"use":"x509-svid"},{"use":"jwt-svid","kid":"k","kty":"EC","crv":"P-256","x":"AA","y":"AA"}]})")
                .find("bundle: keys[1]: "),
            std::string::npos);
  EXPECT_EQ(msg(R"({"keys":[]})"), "ok");
}

TEST_F(JwtSvidTest, PushedBundlesFromTheWorkloadApi) {
  PushedJwtBundleSource source;
  EXPECT_EQ(source.current("example.org"), nullptr);
  // FetchJWTBundles JWKS need not mark their keys: unmarked keys are JWT authorities there.
  auto unmarked = ec_->public_jwk();
  unmarked.erase("use");
  std::string jwks = boost::json::serialize(boost::json::object{{"keys", boost::json::array{unmarked}}});
  source.update({{"example.org", jwks}, {"other.org", bundle_json({{rsa_, "jwt-svid"}})}});
  ASSERT_TRUE(source.current("example.org"));
  EXPECT_TRUE(source.current("example.org")->has_kid("ec-1"));
  EXPECT_TRUE(source.current("other.org")->has_kid("rsa-1"));
  // A broken document keeps that domain's keys; a domain no longer sent is dropped.
  source.update({{"example.org", "{broken"}});
  ASSERT_TRUE(source.current("example.org"));
  EXPECT_TRUE(source.current("example.org")->has_kid("ec-1"));
  EXPECT_EQ(source.current("other.org"), nullptr);
  // The file format stays strict: an unmarked key is not a JWT authority there.
  EXPECT_TRUE(parse_jwt_bundle(jwks)->keys.empty());
}

class BundleFileTest : public JwtSvidTest {
 protected:
  void write(const std::string& text) {
    std::string tmp = path_ + ".tmp";
    std::ofstream(tmp) << text;
    std::rename(tmp.c_str(), path_.c_str());
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_ = ::testing::TempDir() + "/bundle_" + std::to_string(::getpid()) + ".json";
};

TEST_F(BundleFileTest, MissingOrMalformedFileIsAConfigError) {
  auto missing = FileJwtBundleSource::create("example.org", path_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::invalid_config);
  write(R"({"keys": "no"})");
  auto bad = FileJwtBundleSource::create("example.org", path_);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, path_ + ": bundle: keys: missing or not an array");
}

TEST_F(BundleFileTest, ReloadsWhenTheFileChangesAndKeepsKeysOnABadChange) {
  write(bundle_json({{ec_, "jwt-svid"}}));
  auto source = FileJwtBundleSource::create("example.org", path_, std::chrono::milliseconds(0));
  ASSERT_TRUE(source) << source.error().message;
  EXPECT_EQ((*source)->current("other.org"), nullptr);
  auto keys = (*source)->current("example.org");
  ASSERT_TRUE(keys);
  EXPECT_TRUE(keys->has_kid("ec-1"));
  EXPECT_FALSE(keys->has_kid("rsa-1"));

  write(bundle_json({{rsa_, "jwt-svid"}}));
  keys = (*source)->current("example.org");
  EXPECT_TRUE(keys->has_kid("rsa-1"));
  EXPECT_FALSE(keys->has_kid("ec-1"));
  EXPECT_EQ((*source)->reloads(), 1u);

  write("{ half written");
  keys = (*source)->current("example.org");
  EXPECT_TRUE(keys->has_kid("rsa-1"));
  EXPECT_EQ((*source)->reloads(), 1u);
}

TEST_F(BundleFileTest, AuthenticatorPicksTheProviderByTrustDomain) {
  write(bundle_json({{ec_, "jwt-svid"}}));
  auto source = FileJwtBundleSource::create("example.org", path_);
  ASSERT_TRUE(source);
  std::vector<JwtSvidProvider> providers;
  providers.push_back({*validator_, *source});
  JwtSvidAuthenticator auth(std::move(providers));
  auto ok = auth.authenticate(sign_jwt(*ec_, claims()), kNow);
  ASSERT_TRUE(ok) << ok.error().reason;
  EXPECT_EQ((*ok)->subject, kSub);
  auto c = claims();
  c["sub"] = "spiffe://other.org/x";
  auto other = auth.authenticate(sign_jwt(*ec_, c), kNow);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().reason, "jwtsvid.untrusted_domain");
  auto parsed = parse_jws(sign_jwt(*ec_, claims()));
  EXPECT_TRUE(auth.claims_token(*parsed));
  parsed = parse_jws(sign_jwt(*ec_, c));
  EXPECT_FALSE(auth.claims_token(*parsed));
}

}  // namespace
}  // namespace gatehouse::auth
