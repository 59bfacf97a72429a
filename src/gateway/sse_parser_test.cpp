#include "gateway/sse_parser.hpp"

#include <gtest/gtest.h>

namespace gatehouse::gateway {
namespace {

std::vector<SseEvent> parse_in_pieces(std::string_view text, std::size_t piece) {
  SseParser p;
  std::vector<SseEvent> out;
  for (std::size_t i = 0; i < text.size(); i += piece) EXPECT_TRUE(p.feed(text.substr(i, piece), out));
  return out;
}

TEST(SseParser, EventsSplitAnywhereAndAnyLineEnding) {
  std::string_view text = ": keep-alive\r\nid: 7\r\nevent: message\r\ndata: {\"a\":1}\r\n\r\ndata: x\rdata: y\r\rdata:z\n\n";
  for (std::size_t piece : {1u, 2u, 3u, 5u, 100u}) {
    auto ev = parse_in_pieces(text, piece);
    ASSERT_EQ(ev.size(), 3u) << piece;
    EXPECT_EQ(ev[0].id, "7");
    EXPECT_EQ(ev[0].event, "message");
    EXPECT_EQ(ev[0].data, "{\"a\":1}");
    EXPECT_EQ(ev[1].data, "x\ny");
    EXPECT_EQ(ev[1].event, "message");
    EXPECT_EQ(ev[2].data, "z");
  }
}

TEST(SseParser, NoDataNoEventAndUnterminatedEventIsHeld) {
  SseParser p;
  std::vector<SseEvent> out;
  EXPECT_TRUE(p.feed("id: 1\n\nevent: ping\n\ndata: partial", out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(p.last_id(), "1");
  EXPECT_TRUE(p.feed("\n\n", out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "partial");
}

TEST(SseParser, RetryAndPrimingEvents) {
  SseParser p;
  std::vector<SseEvent> out;
  EXPECT_TRUE(p.feed("retry: 1500\n\nid: s1_0\ndata: \n\n", out));
  EXPECT_EQ(p.retry_ms(), 1500u);
  ASSERT_EQ(out.size(), 1u) << "a priming event (id, empty data) is an event";
  EXPECT_EQ(out[0].id, "s1_0");
  EXPECT_EQ(out[0].data, "");
  for (std::string_view bad : {"retry: -1\n", "retry: 1.5\n", "retry: x\n", "retry:\n", "retry: 99999999999\n"}) {
    SseParser q;
    EXPECT_TRUE(q.feed(bad, out));
    EXPECT_EQ(q.retry_ms(), 0u) << bad;
  }
}

TEST(SseParser, OversizedEventIsRefused) {
  SseParser p(16);
  std::vector<SseEvent> out;
  EXPECT_FALSE(p.feed("data: 0123456789abcdefghij\n\n", out));
}

}  // namespace
}  // namespace gatehouse::gateway
