#include "observe/trace_context.hpp"

#include <gtest/gtest.h>

#include <set>

namespace gatehouse::observe {
namespace {

constexpr std::string_view kValid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceParent, ParsesTheSpecExample) {
  auto tp = parse_traceparent(kValid);
  ASSERT_TRUE(tp) << tp.error().message;
  EXPECT_EQ(to_hex(tp->trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(to_hex(tp->parent_id), "00f067aa0ba902b7");
  EXPECT_TRUE(tp->sampled());
  EXPECT_EQ(format_traceparent(*tp), kValid);
}

TEST(TraceParent, UnsampledFlag) {
  auto tp = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(tp);
  EXPECT_FALSE(tp->sampled());
  EXPECT_TRUE(format_traceparent(*tp).ends_with("-00"));
}

TEST(TraceParent, RejectsMalformed) {
  const char* bad[] = {
      "",
      "00",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",          // short flags
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",        // v00 trailing
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",        // v00 trailing
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",         // version ff
      "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",         // version not hex
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",         // upper case
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",         // zero trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",         // zero parent id
      "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",         // separator
      "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",         // misplaced dash
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",         // flags not hex
      " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // leading space
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\n",
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.what",   // future, no dash
  };
  for (const char* h : bad) {
    auto tp = parse_traceparent(h);
    EXPECT_FALSE(tp) << "accepted: " << h;
    if (!tp) {
      EXPECT_EQ(tp.error().code, Errc::bad_request);
    }
  }
}

TEST(TraceParent, FutureVersionReadsKnownPrefix) {
  auto tp = parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03-what-the-future-holds");
  ASSERT_TRUE(tp) << tp.error().message;
  EXPECT_EQ(to_hex(tp->trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(tp->sampled());
  EXPECT_EQ(tp->flags, 0x01);  // unknown bits of a later version are not forwarded
  // Sent on as version 00.
  EXPECT_EQ(format_traceparent(*tp), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  // A future version of exactly 55 characters is fine too.
  EXPECT_TRUE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(TraceState, ParsesListWithWhitespaceAndEmptyMembers) {
  auto ts = parse_tracestate("rojo=00f067aa0ba902b7 ,\t, congo=t61rcWkgMzE,tenant@sys=a b");
  ASSERT_TRUE(ts) << ts.error().message;
  ASSERT_EQ(ts->entries.size(), 3u);
  EXPECT_EQ(ts->entries[0].first, "rojo");
  EXPECT_EQ(ts->entries[1].second, "t61rcWkgMzE");
  EXPECT_EQ(ts->entries[2].first, "tenant@sys");
  EXPECT_EQ(ts->entries[2].second, "a b");
  EXPECT_EQ(format_tracestate(*ts), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,tenant@sys=a b");
  EXPECT_TRUE(parse_tracestate("")) << "empty header is an empty list";
}

TEST(TraceState, RejectsMalformed) {
  const char* bad[] = {"a=1,a=2", "Upper=1", "1abc=1", "a", "=1", "a=", "a=b=c", "a=x,b", "@sys=1",
                       "t@=1", "t@Sys=1", "t@abcdefghijklmno=1", "a=\x01", "a=1 ,b=\x7f"};
  for (const char* h : bad) EXPECT_FALSE(parse_tracestate(h)) << "accepted: " << h;
  std::string many;
  for (int i = 0; i < 33; ++i) many += "k" + std::to_string(i) + "=v,";
  EXPECT_FALSE(parse_tracestate(many));
  std::string long_value = "a=" + std::string(257, 'x');
  EXPECT_FALSE(parse_tracestate(long_value));
  EXPECT_TRUE(parse_tracestate("a=" + std::string(256, 'x')));
}

TEST(TraceState, PutMovesKeyToFrontAndCaps) {
  auto ts = *parse_tracestate("a=1,b=2,c=3");
  ts.put("b", "9");
  EXPECT_EQ(format_tracestate(ts), "b=9,a=1,c=3");
  for (int i = 0; i < 40; ++i) ts.put("k" + std::to_string(i), "v");
  EXPECT_EQ(ts.entries.size(), kMaxTraceStateEntries);
  EXPECT_EQ(ts.entries.front().first, "k39");
}

TEST(Ids, RandomAndNonZero) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto t = new_trace_id();
    auto s = new_span_id();
    EXPECT_FALSE(is_zero(t));
    EXPECT_FALSE(is_zero(s));
    seen.insert(to_hex(t));
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace gatehouse::observe
