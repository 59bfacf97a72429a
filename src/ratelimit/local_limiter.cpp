#include "ratelimit/local_limiter.hpp"

namespace gatehouse::ratelimit {

Decision LocalLimiter::take(std::string_view key, const BucketSpec& spec, Clock::time_point now, double cost) {
  Shard& shard = shards_[StringHash{}(key) % kShards];
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(key);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_keys_per_shard_) sweep(shard, spec, now);
    if (shard.buckets.size() >= max_keys_per_shard_) {
      // Every tracked key is still draining: refuse new keys rather than forget old ones,
      // which would hand a flooding client fresh buckets (fail closed).
      Decision d;
      d.retry_after = std::chrono::milliseconds(1000);
      return d;
    }
    it = shard.buckets.emplace(std::string(key), BucketState{}).first;
  }
  return ratelimit::take(it->second, spec, now, cost);
}

void LocalLimiter::sweep(Shard& shard, const BucketSpec& spec, Clock::time_point now) {
  std::erase_if(shard.buckets, [&](const auto& entry) {
    BucketState copy = entry.second;
    ratelimit::take(copy, spec, now, 0);
    return copy.tokens >= spec.burst;
  });
}

std::size_t LocalLimiter::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.buckets.size();
  }
  return n;
}

}  // namespace gatehouse::ratelimit
