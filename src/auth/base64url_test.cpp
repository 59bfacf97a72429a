#include "auth/base64url.hpp"

#include <gtest/gtest.h>

namespace gatehouse::auth {
namespace {

TEST(Base64Url, RoundTripsAllLengths) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    auto enc = base64url_encode(bytes);
    EXPECT_EQ(enc.find('='), std::string::npos);
    auto dec = base64url_decode(enc);
    ASSERT_TRUE(dec.ok()) << enc;
    EXPECT_EQ(*dec, bytes);
    bytes.push_back(static_cast<char>(i * 37 + 250));
  }
}

TEST(Base64Url, KnownVectors) {
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(*base64url_decode("Zm9vYg"), "foob");
}

TEST(Base64Url, RejectsNonCanonicalAndForeignInput) {
  EXPECT_FALSE(base64url_decode("Zm9vYg==").ok());  // padding
  EXPECT_FALSE(base64url_decode("Zm9v+g").ok());    // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm9v/g").ok());
  EXPECT_FALSE(base64url_decode("Zm9vY").ok());     // impossible length
  EXPECT_FALSE(base64url_decode("Zm9vYh").ok());    // trailing bits set
  EXPECT_FALSE(base64url_decode("Zm 9v").ok());
  EXPECT_FALSE(base64url_decode(std::string_view("Zm\0v", 4)).ok());
  auto err = base64url_decode("a");
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().reason, "jwt.malformed");
}

}  // namespace
}  // namespace gatehouse::auth
