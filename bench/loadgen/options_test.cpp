#include "bench/loadgen/options.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace gatehouse::bench {
namespace {

Result<LoadOptions> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "gatehouse-loadgen");
  return parse_options(static_cast<int>(args.size()), const_cast<char**>(args.data()));
}

TEST(LoadgenOptions, ParsesUrlAndLoadShape) {
  auto o = parse({"--url", "http://127.0.0.1:8080/mcp", "--era", "modern", "--connections", "8", "--rate", "500",
                  "--duration", "2.5"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->host, "127.0.0.1");
  EXPECT_EQ(o->port, 8080);
  EXPECT_EQ(o->path, "/mcp");
  EXPECT_EQ(o->era, Era::modern);
  EXPECT_EQ(o->connections, 8);
  EXPECT_EQ(o->rate, 500);
  EXPECT_EQ(o->duration.count(), 2500);
}

TEST(LoadgenOptions, ParsesHttpsAndModes) {
  auto o = parse({"--url", "https://127.0.0.1:8443/mcp", "--new-connection", "--progress", "--sessions", "1000",
                  "--hold", "1.5"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_TRUE(o->tls);
  EXPECT_EQ(o->port, 8443);
  EXPECT_TRUE(o->new_connection);
  EXPECT_TRUE(o->progress);
  EXPECT_EQ(o->sessions, 1000u);
  EXPECT_EQ(o->hold.count(), 1500);
  auto plain = parse({"--url", "http://127.0.0.1:1/mcp"});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->tls);
  EXPECT_FALSE(plain->new_connection);
  EXPECT_EQ(plain->sessions, 0u);
}

TEST(LoadgenOptions, ParsesMix) {
  auto o = parse({"--url", "http://127.0.0.1:1/mcp", "--mix", "list:10,call:89,churn:1", "--rate", "2000"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->mix.call, 89u);
  EXPECT_EQ(o->mix.list, 10u);
  EXPECT_EQ(o->mix.churn, 1u);
  EXPECT_EQ(o->mix.total(), 100u);
  auto none = parse({"--url", "http://127.0.0.1:1/mcp"});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->mix.total(), 0u);
  auto partial = parse_mix("call:3");
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->list, 0u);
  EXPECT_EQ(partial->churn, 0u);
}

TEST(LoadgenOptions, MixKindsFollowTheWeights) {
  Mix m{.call = 5, .list = 3, .churn = 2};
  int counts[3] = {0, 0, 0};
  for (std::uint64_t n = 0; n < 100; ++n) ++counts[static_cast<int>(mix_kind(m, n))];
  EXPECT_EQ(counts[static_cast<int>(MixKind::call)], 50);
  EXPECT_EQ(counts[static_cast<int>(MixKind::list)], 30);
  EXPECT_EQ(counts[static_cast<int>(MixKind::churn)], 20);
  EXPECT_EQ(mix_kind(m, 0), MixKind::churn);
  EXPECT_EQ(mix_kind(m, 2), MixKind::list);
  EXPECT_EQ(mix_kind(m, 9), MixKind::call);
  EXPECT_EQ(mix_kind(m, 10), MixKind::churn);
  EXPECT_EQ(mix_kind(Mix{.call = 1}, 12345), MixKind::call);
}

TEST(LoadgenOptions, RejectsBadMix) {
  for (const char* bad : {"", "call", "call:", "call:x", "call:-1", "call:1,", "call:1,call:2", "bogus:1",
                          "call:0,list:0", "call:1;list:1", "call:2000000", ":1"}) {
    EXPECT_FALSE(parse_mix(bad).ok()) << bad;
    EXPECT_FALSE(parse({"--url", "http://h:1/", "--mix", bad}).ok()) << bad;
  }
  // Churn opens sessions: legacy era only; and not with the sessions mode.
  EXPECT_FALSE(parse({"--url", "http://h:1/", "--mix", "call:9,churn:1", "--era", "modern"}).ok());
  EXPECT_TRUE(parse({"--url", "http://h:1/", "--mix", "call:9,list:1", "--era", "modern"}).ok());
  EXPECT_FALSE(parse({"--url", "http://h:1/", "--mix", "call:1", "--sessions", "10"}).ok());
}

TEST(LoadgenOptions, AcceptsIpv6Literal) {
  auto o = parse({"--url", "http://[::1]:9000/x"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->host, "::1");
  EXPECT_EQ(o->path, "/x");
}

TEST(LoadgenOptions, RejectsBadInput) {
  EXPECT_FALSE(parse({}).ok());
  EXPECT_FALSE(parse({"--url", "ftp://h:1/"}).ok());
  EXPECT_FALSE(parse({"--url", "https://h/mcp"}).ok());
  EXPECT_FALSE(parse({"--url", "http://h:1/", "--sessions", "0"}).ok());
  EXPECT_FALSE(parse({"--url", "http://h:1/", "--sessions", "10", "--era", "modern"}).ok());
  EXPECT_FALSE(parse({"--url", "http://h:1/", "--sessions", "10", "--rate", "5"}).ok());
  EXPECT_FALSE(parse({"--url", "http://h:1/", "--hold", "-1"}).ok());
  EXPECT_FALSE(parse({"--url", "http://h/mcp"}).ok());
  EXPECT_FALSE(parse({"--url", "http://h:1/", "--connections", "0"}).ok());
  EXPECT_FALSE(parse({"--url", "http://h:1/", "--era", "future"}).ok());
  EXPECT_FALSE(parse({"--url", "http://h:1/", "--bogus", "1"}).ok());
  EXPECT_FALSE(parse({"--url"}).ok());
}

}  // namespace
}  // namespace gatehouse::bench
