#include "ratelimit/rule_set.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace gatehouse::ratelimit {
namespace {

Outcome check(const RuleSet& set, std::vector<std::optional<std::string>> keys) {
  boost::asio::io_context ctx;
  auto fut = boost::asio::co_spawn(ctx, set.check(keys, nullptr), boost::asio::use_future);
  ctx.run();
  return fut.get();
}

TEST(RuleSet, FirstRefusalDecidesAndLaterBudgetsAreNotSpent) {
  RuleSet set({{"per-subject", {1, 2}, Store::local}, {"per-tool", {1, 100}, Store::local}},
              std::make_shared<LocalLimiter>());
  EXPECT_TRUE(check(set, {"alice", "echo"}).allowed);
  EXPECT_TRUE(check(set, {"alice", "echo"}).allowed);
  auto refused = check(set, {"alice", "echo"});
  EXPECT_FALSE(refused.allowed);
  ASSERT_TRUE(refused.deciding);
  EXPECT_EQ(*refused.deciding, 0u);
  EXPECT_TRUE(check(set, {"bob", "echo"}).allowed);  // another subject has its own bucket
  // per-tool spent 3 (alice twice, bob once), not 4: the refused call stopped at rule 0.
  auto after = check(set, {std::nullopt, "echo"});
  EXPECT_TRUE(after.allowed);
  EXPECT_NEAR(after.decision.remaining, 96, 0.5);
}

TEST(RuleSet, EqualKeysOfDifferentRulesDoNotShareBuckets) {
  RuleSet set({{"a", {1, 1}, Store::local}, {"b", {1, 1}, Store::local}}, std::make_shared<LocalLimiter>());
  EXPECT_TRUE(check(set, {"k", "k"}).allowed);
}

TEST(RuleSet, RedisRulesWithoutALimiterFailClosed) {
  RuleSet set({{"global", {10, 10}, Store::redis}}, std::make_shared<LocalLimiter>());
  auto o = check(set, {"k"});
  EXPECT_FALSE(o.allowed);
  EXPECT_TRUE(o.decision.fallback);
}

TEST(RuleSet, HeadersFollowTheRateLimitDraft) {
  Rule rule{"per-subject", {2, 20}, Store::local};
  Outcome refused;
  refused.allowed = false;
  refused.decision.remaining = 0;
  refused.decision.reset = std::chrono::milliseconds(9500);
  refused.decision.retry_after = std::chrono::milliseconds(400);
  auto h = rate_limit_headers(rule, refused);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].second, "\"per-subject\";q=20;w=10");
  EXPECT_EQ(h[1].second, "\"per-subject\";r=0;t=10");
  EXPECT_EQ(h[2].first, "Retry-After");
  EXPECT_EQ(h[2].second, "1");
}

}  // namespace
}  // namespace gatehouse::ratelimit
