#include "ratelimit/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace gatehouse::ratelimit {

namespace {
std::chrono::milliseconds seconds_to_ms_ceil(double s) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(std::max(0.0, s) * 1000.0)));
}
}  // namespace

Decision take(BucketState& state, const BucketSpec& spec, Clock::time_point now, double cost) {
  if (!state.initialized) {
    state.tokens = spec.burst;
    state.updated = now;
    state.initialized = true;
  } else if (now > state.updated) {
    double elapsed = std::chrono::duration<double>(now - state.updated).count();
    state.tokens = std::min(spec.burst, state.tokens + elapsed * spec.tokens_per_second);
    state.updated = now;
  }
  Decision d;
  if (state.tokens + 1e-9 >= cost) {
    state.tokens = std::max(0.0, state.tokens - cost);
    d.allowed = true;
  } else {
    d.retry_after = seconds_to_ms_ceil((cost - state.tokens) / spec.tokens_per_second);
  }
  d.remaining = state.tokens;
  d.reset = seconds_to_ms_ceil((spec.burst - state.tokens) / spec.tokens_per_second);
  return d;
}

}  // namespace gatehouse::ratelimit
