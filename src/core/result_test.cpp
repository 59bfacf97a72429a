#include "core/result.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gatehouse {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return fail(Errc::invalid_params, "not a digit", "digit.invalid");
  return c - '0';
}

Result<int> sum_two(char a, char b) {
  GH_TRY(int x, parse_digit(a));
  GH_TRY(int y, parse_digit(b));
  return x + y;
}

Status check_positive(int v) {
  if (v <= 0) return fail(Errc::bad_request, "not positive");
  return {};
}

Status check_sum(char a, char b) {
  GH_TRY(int s, sum_two(a, b));
  GH_CHECK(check_positive(s));
  return {};
}

TEST(Result, CarriesValueOrError) {
  auto ok = sum_two('3', '4');
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 7);

  auto bad = sum_two('3', 'x');
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_params);
  EXPECT_EQ(log_reason(bad.error()), "digit.invalid");
}

TEST(Result, StatusPropagates) {
  EXPECT_TRUE(check_sum('1', '2').ok());
  auto zero = check_sum('0', '0');
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().code, Errc::bad_request);
  EXPECT_EQ(log_reason(zero.error()), "bad_request");
}

TEST(Result, ConvertsFromCompatibleTypes) {
  Result<std::string> s = "literal";
  EXPECT_EQ(*s, "literal");
}

TEST(Errc, MapsToProtocolCodes) {
  EXPECT_EQ(http_status(Errc::unauthenticated), 401);
  EXPECT_EQ(http_status(Errc::payload_too_large), 413);
  EXPECT_EQ(jsonrpc_code(Errc::parse_error), -32700);
  EXPECT_EQ(jsonrpc_code(Errc::method_not_found), -32601);
  EXPECT_EQ(jsonrpc_code(Errc::invalid_params), -32602);
}

}  // namespace
}  // namespace gatehouse
