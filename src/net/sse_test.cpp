// SSE formatter and parser: the WHATWG interpretation rules, arbitrary splits, limits.
#include "net/sse.hpp"

#include <gtest/gtest.h>

namespace gatehouse::net {
namespace {

std::vector<SseEvent> parse(std::string_view bytes, std::size_t max = SseParser::kDefaultMaxEventBytes) {
  SseParser p(max);
  std::vector<SseEvent> out;
  EXPECT_TRUE(p.feed(bytes, out).ok());
  return out;
}

// Same stream, one byte at a time.
std::vector<SseEvent> parse_bytewise(std::string_view bytes) {
  SseParser p;
  std::vector<SseEvent> out;
  for (char c : bytes) EXPECT_TRUE(p.feed(std::string_view(&c, 1), out).ok());
  return out;
}

TEST(SseParser, ParsesFieldsAndMultiLineData) {
  auto events = parse("id: 7\nevent: message\ndata: {\"a\":1}\ndata: second\nretry: 1500\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, "7");
  EXPECT_EQ(events[0].event, "message");
  EXPECT_EQ(events[0].data, "{\"a\":1}\nsecond");
  EXPECT_EQ(events[0].retry, 1500u);
}

TEST(SseParser, AcceptsCrLfCrlfLineEndingsAlike) {
  for (std::string_view nl : {"\n", "\r", "\r\n"}) {
    std::string stream = "data: a" + std::string(nl) + "data: b" + std::string(nl) + std::string(nl) +
                         "data: c" + std::string(nl) + std::string(nl);
    auto events = parse(stream);
    ASSERT_EQ(events.size(), 2u) << int(nl[0]);
    EXPECT_EQ(events[0].data, "a\nb");
    EXPECT_EQ(events[1].data, "c");
    EXPECT_EQ(parse_bytewise(stream), events);
  }
}

TEST(SseParser, CrAtTheEndOfAFeedAndLfAtTheStartOfTheNextAreOneLineEnd) {
  SseParser p;
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.feed("data: x\r", out).ok());
  ASSERT_TRUE(p.feed("\n\r", out).ok());
  ASSERT_TRUE(p.feed("\ndata: y\r\n\r\n", out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].data, "x");
  EXPECT_EQ(out[1].data, "y");
}

TEST(SseParser, StripsOneLeadingBomOnly) {
  auto events = parse("\xEF\xBB\xBF" "data: a\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a");
  EXPECT_EQ(parse_bytewise("\xEF\xBB\xBF" "data: a\n\n"), events);
  // A second BOM is part of the field name, which is then unknown.
  EXPECT_TRUE(parse("\xEF\xBB\xBF\xEF\xBB\xBF" "data: a\n\n").empty());
  // A short stream that only starts like a BOM is still data.
  SseParser p;
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.feed("\xEF", out).ok());
  ASSERT_TRUE(p.feed("data: b\n\n", out).ok());
  EXPECT_TRUE(out.empty());  // "\xEF" "data" is an unknown field
}

TEST(SseParser, IgnoresCommentsAndUnknownFields) {
  auto events = parse(": keep-alive\nfoo: bar\ndata: x\n: more\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "x");
  EXPECT_EQ(events[0].event, "");
}

TEST(SseParser, FieldWithoutColonHasAnEmptyValue) {
  auto events = parse("data\ndata\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "\n");
  // "data" alone once: an empty data buffer line, still dispatched (buffer is "\n").
  auto one = parse("data\n\n");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].data, "");
}

TEST(SseParser, StripsOnlyOneLeadingSpace) {
  auto events = parse("data:no-space\ndata:  two\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "no-space\n two");
}

TEST(SseParser, BlockWithoutDataIsNotAnEventButIdAndRetryPersist) {
  SseParser p;
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.feed("id: 42\nretry: 3000\nevent: ping\n\ndata: after\n\n", out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].event, "");  // the event type was reset with the empty block
  EXPECT_FALSE(out[0].id.has_value());
  EXPECT_EQ(p.last_event_id(), "42");
  EXPECT_EQ(p.retry(), 3000u);
}

TEST(SseParser, PrimingEventWithIdAndEmptyDataIsDispatched) {
  auto events = parse("id: abc\ndata: \n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, "abc");
  EXPECT_EQ(events[0].data, "");
}

TEST(SseParser, IdWithNulIsIgnoredAndEmptyIdResets) {
  SseParser p;
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.feed("id: 1\ndata: a\n\n", out).ok());
  ASSERT_TRUE(p.feed(std::string_view("id: x\0y\ndata: b\n\n", 17), out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[1].id.has_value());
  EXPECT_EQ(p.last_event_id(), "1");
  ASSERT_TRUE(p.feed("id\ndata: c\n\n", out).ok());
  EXPECT_EQ(out[2].id, "");
  EXPECT_EQ(p.last_event_id(), "");
}

TEST(SseParser, RetryAcceptsDigitsOnly) {
  for (std::string_view bad : {"retry: -1\n", "retry: 1.5\n", "retry: 10 \n", "retry: \n", "retry: x\n",
                               "retry: 99999999999999999999999\n"}) {
    SseParser p;
    std::vector<SseEvent> out;
    ASSERT_TRUE(p.feed(std::string(bad) + "data: a\n\n", out).ok());
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(out[0].retry.has_value()) << bad;
    EXPECT_FALSE(p.retry().has_value()) << bad;
  }
}

TEST(SseParser, UnterminatedEventIsNotDispatched) {
  EXPECT_TRUE(parse("data: a\n").empty());
  EXPECT_TRUE(parse("data: a").empty());
}

TEST(SseParser, EventOverTheLimitIsAnError) {
  SseParser p(64);
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.feed("data: small\n\n", out).ok());
  auto big = p.feed("data: " + std::string(40, 'x') + "\ndata: " + std::string(40, 'y') + "\n", out);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, Errc::payload_too_large);
  EXPECT_FALSE(p.feed("data: more\n\n", out).ok());  // unusable afterwards
  EXPECT_EQ(out.size(), 1u);

  // A single line that never ends is bounded too.
  SseParser q(64);
  std::vector<SseEvent> none;
  Status s;
  for (int i = 0; i < 10 && s.ok(); ++i) s = q.feed(std::string(16, 'z'), none);
  EXPECT_FALSE(s.ok());
}

TEST(SseFormat, WritesFieldsAndSplitsDataLines) {
  SseEvent e{"message", "line1\nline2\r\nline3\rline4", "9", 1000};
  EXPECT_EQ(format_sse(e), "id: 9\nevent: message\nretry: 1000\ndata: line1\ndata: line2\ndata: line3\ndata: line4\n\n");
  EXPECT_EQ(format_sse(SseEvent{.data = ""}), "data: \n\n");
  EXPECT_EQ(format_sse_comment("ping"), ": ping\n\n");
}

TEST(SseFormat, DropsCharactersThatWouldBreakFraming) {
  SseEvent e{"a\nb", "x", std::string("1\r\n2\0", 5), std::nullopt};
  EXPECT_EQ(format_sse(e), "id: 12\nevent: ab\ndata: x\n\n");
  // NUL is only fatal to an id; in an event name it survives the round trip.
  SseEvent nul{std::string("a\0b", 3), "x", std::nullopt, std::nullopt};
  SseParser p;
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.feed(format_sse(nul), out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], nul);
}

TEST(SseFormat, RoundTripsThroughTheParser) {
  std::vector<SseEvent> events = {
      {"", "{\"jsonrpc\":\"2.0\"}", "s1-1", std::nullopt},
      {"endpoint", " leading space\n\ntrailing empty line\n", std::nullopt, 250},
      {"", "", "", std::nullopt},
  };
  std::string wire;
  for (const auto& e : events) wire += format_sse(e);
  EXPECT_EQ(parse(wire), events);
  EXPECT_EQ(parse_bytewise(wire), events);
}

}  // namespace
}  // namespace gatehouse::net
