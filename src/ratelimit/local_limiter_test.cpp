#include "ratelimit/local_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace gatehouse::ratelimit {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucket, AllowsBurstThenRefillsAtRate) {
  BucketState s;
  BucketSpec spec{.tokens_per_second = 2, .burst = 3};
  auto t0 = Clock::time_point{} + 1h;
  EXPECT_TRUE(take(s, spec, t0).allowed);
  EXPECT_TRUE(take(s, spec, t0).allowed);
  auto third = take(s, spec, t0);
  EXPECT_TRUE(third.allowed);
  EXPECT_EQ(third.remaining, 0);
  auto denied = take(s, spec, t0);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.retry_after, 500ms);  // one token at 2/s
  EXPECT_EQ(denied.reset, 1500ms);       // three tokens at 2/s
  EXPECT_FALSE(take(s, spec, t0 + 499ms).allowed);
  EXPECT_TRUE(take(s, spec, t0 + 1000ms).allowed);
  // Refill never exceeds the burst.
  auto later = take(s, spec, t0 + 1h);
  EXPECT_TRUE(later.allowed);
  EXPECT_DOUBLE_EQ(later.remaining, 2);
}

TEST(TokenBucket, CostLargerThanOne) {
  BucketState s;
  BucketSpec spec{.tokens_per_second = 1, .burst = 5};
  auto t0 = Clock::time_point{} + 1h;
  EXPECT_TRUE(take(s, spec, t0, 5).allowed);
  auto d = take(s, spec, t0, 2);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 2000ms);
}

TEST(LocalLimiter, KeysAreIndependent) {
  LocalLimiter lim;
  BucketSpec spec{.tokens_per_second = 1, .burst = 1};
  auto t0 = Clock::time_point{} + 1h;
  EXPECT_TRUE(lim.take("alice", spec, t0).allowed);
  EXPECT_FALSE(lim.take("alice", spec, t0).allowed);
  EXPECT_TRUE(lim.take("bob", spec, t0).allowed);
}

TEST(LocalLimiter, BoundedKeysSweepFullBucketsAndFailClosed) {
  LocalLimiter lim(/*max_keys_per_shard=*/1);
  BucketSpec spec{.tokens_per_second = 1, .burst = 1};
  auto t0 = Clock::time_point{} + 1h;
  // Fill every shard with a draining bucket.
  int admitted = 0;
  for (int i = 0; i < 200; ++i) admitted += lim.take("k" + std::to_string(i), spec, t0).allowed;
  EXPECT_LE(lim.size(), 16u);
  EXPECT_LT(admitted, 200);  // keys beyond the bound are refused while others drain
  // After a full refill, old buckets are swept and new keys are admitted again.
  EXPECT_TRUE(lim.take("fresh", spec, t0 + 10s).allowed);
}

TEST(LocalLimiter, ConcurrentTakesNeverExceedBudget) {
  LocalLimiter lim;
  BucketSpec spec{.tokens_per_second = 0.001, .burst = 1000};
  auto t0 = Clock::time_point{} + 1h;
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) allowed += lim.take("shared", spec, t0).allowed;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 1000);
}

}  // namespace
}  // namespace gatehouse::ratelimit
