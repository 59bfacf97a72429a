#include "sdk/uri_template.hpp"

#include <gtest/gtest.h>

namespace gatehouse::sdk {
namespace {

TEST(UriTemplate, Matches) {
  auto v = match_uri_template("test://template/{id}/data", "test://template/4242/data");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->at("id"), "4242");
  auto two = match_uri_template("db://{table}/{row}", "db://users/7");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->at("table"), "users");
  EXPECT_EQ(two->at("row"), "7");
}

TEST(UriTemplate, Rejects) {
  EXPECT_FALSE(match_uri_template("test://template/{id}/data", "test://template//data"));
  EXPECT_FALSE(match_uri_template("test://template/{id}/data", "test://template/1/2/data"));
  EXPECT_FALSE(match_uri_template("test://template/{id}/data", "test://template/1/datax"));
  EXPECT_FALSE(match_uri_template("test://template/{id}/data", "other://template/1/data"));
  EXPECT_FALSE(match_uri_template("test://{id", "test://x"));        // unclosed
  EXPECT_FALSE(match_uri_template("test://{}", "test://x"));         // empty name
  EXPECT_FALSE(match_uri_template("test://{a}{b}", "test://xy"));    // ambiguous
  EXPECT_FALSE(match_uri_template("test://}", "test://}"));          // stray brace
}

}  // namespace
}  // namespace gatehouse::sdk
