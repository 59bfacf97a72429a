#include "authz/fga_decision_cache.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace gatehouse::authz {
namespace {

using namespace std::chrono_literals;

// A clock the test moves by hand.
struct FakeClock {
  std::chrono::steady_clock::time_point t{std::chrono::hours(1)};
  FgaDecisionCache::Clock fn() {
    return [this] { return t; };
  }
};

TEST(FgaDecisionCache, StoresAndHitsBothAnswers) {
  FakeClock clock;
  FgaDecisionCache cache(10s, 100, clock.fn());
  EXPECT_FALSE(cache.get("a").has_value());
  cache.put("a", true);
  cache.put("b", false);
  ASSERT_TRUE(cache.get("a").has_value());
  EXPECT_TRUE(*cache.get("a"));
  ASSERT_TRUE(cache.get("b").has_value());
  EXPECT_FALSE(*cache.get("b"));  // a deny is a decision too
  auto s = cache.stats();
  EXPECT_EQ(s.hits, 4u);  // a and b, twice each
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.entries, 2u);
}

TEST(FgaDecisionCache, EntriesExpireAfterTtl) {
  FakeClock clock;
  FgaDecisionCache cache(10s, 100, clock.fn());
  cache.put("k", true);
  clock.t += 9999ms;
  EXPECT_TRUE(cache.get("k").has_value());
  clock.t += 1ms;  // exactly ttl old: gone
  EXPECT_FALSE(cache.get("k").has_value());
  EXPECT_EQ(cache.stats().entries, 0u);  // the expired entry was dropped on lookup
}

TEST(FgaDecisionCache, PutRefreshesAnswerAndAge) {
  FakeClock clock;
  FgaDecisionCache cache(10s, 100, clock.fn());
  cache.put("k", true);
  clock.t += 8s;
  cache.put("k", false);
  clock.t += 8s;  // 16s after the first put, 8s after the second
  auto v = cache.get("k");
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(*v);
  EXPECT_EQ(cache.stats().entries, 1u);
}

TEST(FgaDecisionCache, TtlZeroIsOff) {
  FgaDecisionCache cache(0ms, 100);
  EXPECT_FALSE(cache.enabled());
  cache.put("k", true);
  EXPECT_FALSE(cache.get("k").has_value());
  auto s = cache.stats();
  EXPECT_EQ(s.hits, 0u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.entries, 0u);
}

TEST(FgaDecisionCache, DistinctKeysAreNotConflated) {
  FgaDecisionCache cache(10s, 1000);
  // Keys that differ only in a suffix, a prefix or a separator.
  const std::vector<std::pair<std::string, bool>> entries = {
      {"user:a\ncan_call\ntool:x/y\n", true},
      {"user:a\ncan_call\ntool:x/y\nrole:admin\n", false},
      {"user:a\ncan_call\ntool:x/yz\n", false},
      {"user:ab\ncan_call\ntool:x/y\n", false},
      {"user:a\ncan_call\ntool:x/y\n0123abcd", false},
  };
  for (const auto& [k, v] : entries) cache.put(k, v);
  for (const auto& [k, v] : entries) {
    auto got = cache.get(k);
    ASSERT_TRUE(got.has_value()) << k;
    EXPECT_EQ(*got, v) << k;
  }
  EXPECT_EQ(cache.stats().entries, entries.size());
}

// Keys landing in the same shard as `seed` (the cache shards by std::hash % 16).
std::vector<std::string> same_shard_keys(const std::string& seed, std::size_t n) {
  std::hash<std::string> h;
  std::vector<std::string> out;
  for (int i = 0; out.size() < n; ++i) {
    std::string k = seed + std::to_string(i);
    if (h(k) % 16 == h(seed) % 16) out.push_back(k);
  }
  return out;
}

TEST(FgaDecisionCache, BoundedLeastRecentlyUsedGoesFirst) {
  // max_entries 16 over 16 shards: one entry per shard.
  FgaDecisionCache cache(10s, 16);
  auto keys = same_shard_keys("s", 2);
  cache.put(keys[0], true);
  cache.put(keys[1], false);
  EXPECT_FALSE(cache.get(keys[0]).has_value());
  EXPECT_TRUE(cache.get(keys[1]).has_value());
  EXPECT_EQ(cache.stats().entries, 1u);

  // Many keys: the total never exceeds the bound (rounded up per shard).
  FgaDecisionCache big(10s, 100);
  for (int i = 0; i < 5000; ++i) big.put("key" + std::to_string(i), i % 2 == 0);
  auto s = big.stats();
  EXPECT_LE(s.entries, 100u + 15u);
  EXPECT_GE(s.entries, 50u);  // every shard holds its share
  EXPECT_TRUE(big.get("key4999").has_value());  // the newest survives
  EXPECT_FALSE(big.get("key0").has_value());    // the oldest went
}

TEST(FgaDecisionCache, RecentlyReadEntrySurvivesEviction) {
  // 2 entries per shard (32 over 16 shards): with keys a, b in one shard, reading a then
  // adding c evicts b, not a.
  FgaDecisionCache cache(10s, 32);
  auto same = same_shard_keys("s", 3);
  cache.put(same[0], true);
  cache.put(same[1], true);
  EXPECT_TRUE(cache.get(same[0]).has_value());
  cache.put(same[2], true);
  EXPECT_TRUE(cache.get(same[0]).has_value());
  EXPECT_FALSE(cache.get(same[1]).has_value());
  EXPECT_TRUE(cache.get(same[2]).has_value());
}

TEST(FgaDecisionCache, TwoThreadsShareIt) {
  FgaDecisionCache cache(10s, 512);
  constexpr int kOps = 20000;
  auto work = [&](int seed) {
    for (int i = 0; i < kOps; ++i) {
      std::string k = "key" + std::to_string((i * 7 + seed) % 300);
      if (auto v = cache.get(k)) {
        // A key's answer is a function of the key: a torn or crossed entry would show here.
        EXPECT_EQ(*v, k.size() % 2 == 0);
      } else {
        cache.put(k, k.size() % 2 == 0);
      }
    }
  };
  std::thread a(work, 0), b(work, 1);
  a.join();
  b.join();
  auto s = cache.stats();
  EXPECT_EQ(s.hits + s.misses, 2u * kOps);
  EXPECT_GT(s.hits, s.misses);  // 300 keys fit: most lookups hit
  EXPECT_LE(s.entries, 300u);
}

}  // namespace
}  // namespace gatehouse::authz
