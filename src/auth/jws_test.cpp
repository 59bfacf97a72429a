#include "auth/jws.hpp"

#include <gtest/gtest.h>

#include "auth/base64url.hpp"

namespace gatehouse::auth {
namespace {

std::string seg(std::string_view json) { return base64url_encode(json); }

std::string token(std::string_view header, std::string_view payload, std::string_view sig = "sig") {
  return seg(header) + "." + seg(payload) + "." + base64url_encode(sig);
}

std::string reason(std::string_view t) {
  auto r = parse_jws(t);
  return r.ok() ? "ok" : r.error().reason;
}

TEST(Jws, ParsesThreeSegments) {
  auto t = token(R"({"alg":"RS256","kid":"k1","typ":"at+jwt"})", R"({"sub":"alice"})", "\x01\x02");
  auto r = parse_jws(t);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->alg, "RS256");
  EXPECT_EQ(r->kid, "k1");
  EXPECT_EQ(r->typ, "at+jwt");
  EXPECT_EQ(r->payload.at("sub").as_string(), "alice");
  EXPECT_EQ(r->signature, "\x01\x02");
  EXPECT_EQ(r->signing_input, t.substr(0, t.rfind('.')));
}

TEST(Jws, RejectsMalformed) {
  const std::string h = seg(R"({"alg":"RS256"})"), p = seg(R"({"sub":"a"})"), s = seg("x");
  EXPECT_EQ(reason(""), "jwt.malformed");
  EXPECT_EQ(reason("garbage"), "jwt.malformed");
  EXPECT_EQ(reason(h + "." + p), "jwt.malformed");                 // two parts
  EXPECT_EQ(reason(h + "." + p + "." + s + "." + s), "jwt.malformed");  // JWE-like five parts
  EXPECT_EQ(reason(h + "." + p + "."), "jwt.malformed");           // alg none shape
  EXPECT_EQ(reason(h + ".." + s), "jwt.malformed");
  EXPECT_EQ(reason(h + "=." + p + "." + s), "jwt.malformed");      // padding
  EXPECT_EQ(reason(seg("not json") + "." + p + "." + s), "jwt.malformed");
  EXPECT_EQ(reason(seg("[1]") + "." + p + "." + s), "jwt.malformed");
  EXPECT_EQ(reason(h + "." + seg("\"str\"") + "." + s), "jwt.malformed");
  EXPECT_EQ(reason(seg(R"({"kid":"x"})") + "." + p + "." + s), "jwt.malformed");  // no alg
  EXPECT_EQ(reason(seg(R"({"alg":5})") + "." + p + "." + s), "jwt.malformed");
  EXPECT_EQ(reason(seg(R"({"alg":"RS256","crit":["b64"]})") + "." + p + "." + s), "jwt.malformed");
  EXPECT_EQ(reason(h + "." + p + ".a+b"), "jwt.malformed");
  std::string deep(100, '[');
  EXPECT_EQ(reason(h + "." + seg(R"({"a":)" + deep) + "." + s), "jwt.malformed");
}

TEST(Jws, EnforcesSizeLimit) {
  std::string big(kMaxTokenBytes, 'a');
  auto t = token(R"({"alg":"RS256"})", R"({"x":")" + big + R"("})");
  EXPECT_EQ(reason(t), "jwt.too_large");
  EXPECT_EQ(parse_jws(t).error().code, Errc::unauthenticated);
}

}  // namespace
}  // namespace gatehouse::auth
