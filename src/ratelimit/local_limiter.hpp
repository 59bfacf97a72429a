// The in-process limiter: one bucket per descriptor key, shared by every gateway thread.
// Keys are sharded over independently locked maps so threads rarely meet on one lock;
// idle full buckets are swept so a flood of distinct keys cannot grow memory without bound.
#pragma once

#include <array>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ratelimit/token_bucket.hpp"

namespace gatehouse::ratelimit {

class LocalLimiter {
 public:
  explicit LocalLimiter(std::size_t max_keys_per_shard = 65536) : max_keys_per_shard_(max_keys_per_shard) {}

  Decision take(std::string_view key, const BucketSpec& spec, Clock::time_point now = Clock::now(),
                double cost = 1);

  std::size_t size() const;

 private:
  static constexpr std::size_t kShards = 16;
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, BucketState, StringHash, std::equal_to<>> buckets;
  };
  // Drops buckets that have refilled completely (they hold no state worth keeping).
  static void sweep(Shard& shard, const BucketSpec& spec, Clock::time_point now);

  std::size_t max_keys_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace gatehouse::ratelimit
