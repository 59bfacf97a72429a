// Token buckets: the arithmetic of one bucket (rate, burst, refill), shared by the local
// limiter and mirrored by the Redis script of the global limiter so both answer alike.
#pragma once

#include <chrono>
#include <cstdint>

namespace gatehouse::ratelimit {

using Clock = std::chrono::steady_clock;

struct BucketSpec {
  double tokens_per_second = 1;  // refill rate
  double burst = 1;              // capacity; a full bucket allows `burst` calls at once
};

struct Decision {
  bool allowed = false;
  double remaining = 0;                    // tokens left after this call
  std::chrono::milliseconds retry_after{0};  // when denied: until one call would pass
  std::chrono::milliseconds reset{0};        // until the bucket is full again
  bool fallback = false;  // decided by the configured failure mode, not by a bucket
};

struct BucketState {
  double tokens = 0;
  Clock::time_point updated{};
  bool initialized = false;
};

// Refills `state` up to `now` and takes `cost` tokens if there are enough.
Decision take(BucketState& state, const BucketSpec& spec, Clock::time_point now, double cost = 1);

}  // namespace gatehouse::ratelimit
