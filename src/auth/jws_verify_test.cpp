#include "auth/jws_verify.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "auth/base64url.hpp"
#include "auth/test_keys.hpp"

namespace gatehouse::auth {
namespace {

using testing::generate_key;
using testing::sign_jwt;

const boost::json::object kClaims{{"sub", "alice"}, {"iss", "https://as"}};

class EveryAlg : public ::testing::TestWithParam<Alg> {};

TEST_P(EveryAlg, VerifiesOwnSignatureAndRejectsTampering) {
  auto key = generate_key(GetParam(), "k1");
  auto jwk = parse_jwk(key.public_jwk());
  ASSERT_TRUE(jwk.ok()) << jwk.error().message;
  auto token = sign_jwt(key, kClaims);
  auto jws = parse_jws(token);
  ASSERT_TRUE(jws.ok());
  EXPECT_TRUE(verify_signature(*jws, GetParam(), *jwk).ok());

  auto tampered = *jws;
  tampered.signing_input[tampered.signing_input.size() - 2] ^= 1;
  auto bad = verify_signature(tampered, GetParam(), *jwk);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().reason, "jwt.bad_signature");

  auto truncated = *jws;
  truncated.signature.pop_back();
  EXPECT_FALSE(verify_signature(truncated, GetParam(), *jwk).ok());

  // Another key of the same type does not verify it.
  auto other = parse_jwk(generate_key(GetParam(), "k2").public_jwk());
  EXPECT_EQ(verify_signature(*jws, GetParam(), *other).error().reason, "jwt.bad_signature");
}

INSTANTIATE_TEST_SUITE_P(Jwa, EveryAlg,
                         ::testing::Values(Alg::rs256, Alg::rs384, Alg::rs512, Alg::ps256, Alg::ps384,
                                           Alg::ps512, Alg::es256, Alg::es384, Alg::es512, Alg::eddsa),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(Alg, NoneAndHmacAreNotAlgorithms) {
  EXPECT_FALSE(parse_alg("none"));
  EXPECT_FALSE(parse_alg("HS256"));
  EXPECT_FALSE(parse_alg("rs256"));
  EXPECT_EQ(parse_alg("ES512"), Alg::es512);
}

TEST(KeyAllows, TypeCurveAlgAndUse) {
  auto rsa = *parse_jwk(generate_key(Alg::rs256, "r").public_jwk());
  auto p256 = *parse_jwk(generate_key(Alg::es256, "e").public_jwk());
  auto ed = *parse_jwk(generate_key(Alg::eddsa, "d").public_jwk());
  EXPECT_TRUE(key_allows(rsa, Alg::ps512));
  EXPECT_FALSE(key_allows(rsa, Alg::es256));
  EXPECT_TRUE(key_allows(p256, Alg::es256));
  EXPECT_FALSE(key_allows(p256, Alg::es384));
  EXPECT_FALSE(key_allows(ed, Alg::rs256));
  rsa.alg = "RS256";
  EXPECT_TRUE(key_allows(rsa, Alg::rs256));
  EXPECT_FALSE(key_allows(rsa, Alg::ps256));
  rsa.alg.clear();
  rsa.use = "enc";
  EXPECT_FALSE(key_allows(rsa, Alg::rs256));
}

TEST(Verify, RsaKeyCannotVerifyEcdsaLabelledToken) {
  auto rsa_key = generate_key(Alg::rs256, "k");
  auto jwk = *parse_jwk(rsa_key.public_jwk());
  auto jws = *parse_jws(sign_jwt(rsa_key, kClaims));
  EXPECT_EQ(verify_signature(jws, Alg::es256, jwk).error().reason, "jwt.key_mismatch");
}

TEST(Jwk, RejectsBrokenKeys) {
  auto reject = [](boost::json::object o) { return !parse_jwk(o).ok(); };
  auto ec = generate_key(Alg::es256, "e").public_jwk();
  EXPECT_FALSE(reject(ec));
  auto off_curve = ec;
  std::string y = *base64url_decode(off_curve["y"].as_string());
  y[5] ^= 1;
  off_curve["y"] = base64url_encode(y);
  EXPECT_TRUE(reject(off_curve));
  auto short_x = ec;
  short_x["x"] = base64url_encode(std::string(31, 'A'));
  EXPECT_TRUE(reject(short_x));
  auto wrong_crv = ec;
  wrong_crv["crv"] = "P-384";
  EXPECT_TRUE(reject(wrong_crv));
  EXPECT_TRUE(reject({{"kty", "oct"}, {"k", "c2VjcmV0"}}));
  EXPECT_TRUE(reject({{"kty", "RSA"}, {"n", "AQAB"}, {"e", "AQAB"}}));  // tiny modulus
  EXPECT_TRUE(reject({{"kty", "RSA"}, {"e", "AQAB"}}));
  EXPECT_TRUE(reject({{"kty", "OKP"}, {"crv", "Ed448"}, {"x", "AAAA"}}));
  auto enc = generate_key(Alg::rs256, "r").public_jwk();
  enc["use"] = "enc";
  EXPECT_TRUE(reject(enc));
}

TEST(Jwks, SkipsUnusableMembersAndFindsByKid) {
  auto a = generate_key(Alg::rs256, "a");
  auto b = generate_key(Alg::eddsa, "b");
  boost::json::array keys{a.public_jwk(), boost::json::object{{"kty", "oct"}, {"k", "AA"}}, 7, b.public_jwk()};
  auto set = parse_jwks(boost::json::serialize(boost::json::object{{"keys", keys}}));
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->keys.size(), 2u);
  EXPECT_EQ(set->skipped, 2u);
  EXPECT_TRUE(set->has_kid("b"));
  EXPECT_EQ(set->find("a").size(), 1u);
  EXPECT_EQ(set->find("").size(), 2u);
  EXPECT_TRUE(set->find("zz").empty());
  EXPECT_FALSE(parse_jwks("{}").ok());
  EXPECT_FALSE(parse_jwks("[]").ok());
  EXPECT_FALSE(parse_jwks("{\"keys\":").ok());
}

}  // namespace
}  // namespace gatehouse::auth
