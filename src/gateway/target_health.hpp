// Outlier ejection of a failing target, shared by every gateway thread: after
// `eject_after` transport failures in a row (connect refused, 5xx, broken stream, timeout;
// JSON-RPC errors are answers and do not count) the target is left out for `eject_for`,
// doubled on each repeated ejection up to `eject_max`. When that time is up one call at a
// time goes through as a probe; a success restores the target, a failure ejects it again.
// Calls to an ejected target fail at once, so a dead server costs no timeouts, and the
// backend's failure mode (open/closed) decides what the client sees.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace gatehouse::gateway {

struct EjectionPolicy {
  unsigned eject_after = 5;  // 0: never eject
  std::chrono::milliseconds eject_for{30'000};
  std::chrono::milliseconds eject_max{300'000};
};

class TargetHealth {
 public:
  using Clock = std::chrono::steady_clock;
  explicit TargetHealth(EjectionPolicy policy) : policy_(policy) {}

  // Whether a call may go to the target now. While ejected: false, except one probe once
  // the ejection time is over.
  bool admit(Clock::time_point now = Clock::now());
  // The outcome of an admitted call. Returns true when this failure ejected the target.
  bool record(bool ok, Clock::time_point now = Clock::now());

  bool ejected(Clock::time_point now = Clock::now()) const;
  std::uint64_t ejections() const;

 private:
  EjectionPolicy policy_;
  mutable std::mutex mu_;
  unsigned failures_ = 0;         // consecutive
  unsigned times_ejected_ = 0;    // consecutive ejections (for the backoff)
  bool is_ejected_ = false;
  bool probing_ = false;
  Clock::time_point until_{};
  std::uint64_t ejections_ = 0;
};

}  // namespace gatehouse::gateway
