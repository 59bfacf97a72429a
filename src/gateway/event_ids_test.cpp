#include <gtest/gtest.h>

#include "gateway/event_ids.hpp"

namespace gatehouse::gateway {
namespace {

TEST(EventIdsTest, RoundTripAndRejects) {
  EventPositions p{{"db", "stream-1_17"}, {"time", "42"}};
  auto id = encode_event_id(p);
  EXPECT_EQ(id.find('\n'), std::string::npos);
  auto back = decode_event_id(id);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, p);
  EXPECT_FALSE(decode_event_id(""));
  EXPECT_FALSE(decode_event_id("17"));  // an upstream's own id, not ours
  EXPECT_FALSE(decode_event_id("gh1.!!!"));
  EXPECT_FALSE(decode_event_id("gh1." + std::string(5000, 'A')));
  // Values that could split a header, or that are not strings.
  EventPositions bad{{"db", "a\r\nX-Injected: 1"}};
  EXPECT_FALSE(decode_event_id(encode_event_id(bad)));
}

}  // namespace
}  // namespace gatehouse::gateway
