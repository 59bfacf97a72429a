#include "gateway/target_health.hpp"

#include <algorithm>

namespace gatehouse::gateway {

bool TargetHealth::admit(Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (!is_ejected_) return true;
  if (now < until_ || probing_) return false;
  probing_ = true;  // one probe at a time
  return true;
}

bool TargetHealth::record(bool ok, Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (ok) {
    failures_ = 0;
    times_ejected_ = 0;
    is_ejected_ = false;
    probing_ = false;
    return false;
  }
  if (policy_.eject_after == 0) return false;
  ++failures_;
  // A failed probe ejects again at once; otherwise after eject_after failures in a row.
  if (!probing_ && (is_ejected_ || failures_ < policy_.eject_after)) return false;
  probing_ = false;
  auto backoff = policy_.eject_for * (1LL << std::min(times_ejected_, 16u));
  ++times_ejected_;
  is_ejected_ = true;
  until_ = now + std::min<std::chrono::milliseconds>(backoff, std::max(policy_.eject_max, policy_.eject_for));
  ++ejections_;
  return true;
}

bool TargetHealth::ejected(Clock::time_point now) const {
  std::lock_guard lock(mu_);
  return is_ejected_ && (now < until_ || probing_);
}

std::uint64_t TargetHealth::ejections() const {
  std::lock_guard lock(mu_);
  return ejections_;
}

}  // namespace gatehouse::gateway
