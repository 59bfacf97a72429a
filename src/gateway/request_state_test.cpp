#include <gtest/gtest.h>

#include "gateway/request_state.hpp"

namespace gatehouse::gateway {
namespace {

TEST(RequestStateTest, RoundTripsOnlyForItsBinding) {
  auto box = SealedBox::derive("secret", "request-state");
  RequestStateBinding alice{"alice", "tools/call", "db_query"};
  auto token = wrap_request_state(box, alice, {"db", "upstream-state-42"}, 1000);
  EXPECT_EQ(token.find("upstream-state-42"), std::string::npos) << "sealed, not readable";

  auto back = unwrap_request_state(box, alice, token, 1001);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->target, "db");
  EXPECT_EQ(back->state, "upstream-state-42");

  for (const auto& other : {RequestStateBinding{"bob", "tools/call", "db_query"},
                            RequestStateBinding{"alice", "prompts/get", "db_query"},
                            RequestStateBinding{"alice", "tools/call", "db_drop"},
                            RequestStateBinding{"", "tools/call", "db_query"}}) {
    auto r = unwrap_request_state(box, other, token, 1001);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_params);
  }
  // Expired, another key, tampered, garbage.
  EXPECT_FALSE(unwrap_request_state(box, alice, token, 1000 + 15 * 60).ok());
  EXPECT_FALSE(unwrap_request_state(SealedBox::derive("other", "request-state"), alice, token, 1001).ok());
  std::string tampered = token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(unwrap_request_state(box, alice, tampered, 1001).ok());
  EXPECT_FALSE(unwrap_request_state(box, alice, "", 1001).ok());
  EXPECT_FALSE(unwrap_request_state(box, alice, "not a token at all", 1001).ok());
}

}  // namespace
}  // namespace gatehouse::gateway
