#include "gateway/principal_limits.hpp"

#include <ctime>

namespace gatehouse::gateway {

void PrincipalLimits::prune(std::unordered_map<std::string, Session>& sessions, std::chrono::seconds idle,
                            Clock::time_point now) {
  const auto unix_now = static_cast<std::int64_t>(std::time(nullptr));
  for (auto it = sessions.begin(); it != sessions.end();) {
    bool expired = it->second.expires_at_unix > 0 && it->second.expires_at_unix <= unix_now;
    it = (expired || now - it->second.last_used >= idle) ? sessions.erase(it) : std::next(it);
  }
}

bool PrincipalLimits::may_open_session(const std::string& principal, const PrincipalLimitsSpec& spec,
                                       Clock::time_point now) {
  std::lock_guard lock(mu_);
  last_idle_ = spec.session_idle;
  if (spec.max_sessions == 0) return true;
  auto it = sessions_.find(principal);
  if (it == sessions_.end()) return true;
  prune(it->second, spec.session_idle, now);
  return it->second.size() < spec.max_sessions;
}

void PrincipalLimits::session_opened(const std::string& principal, const std::string& session,
                                     std::int64_t expires_at_unix, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto& mine = sessions_[principal];
  // Bounded by the limit where one is set; without one, old entries still go when idle.
  if (mine.size() > 64) prune(mine, last_idle_, now);
  mine[session] = Session{now, expires_at_unix};
}

void PrincipalLimits::session_used(const std::string& principal, const std::string& session, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(principal);
  if (it == sessions_.end()) return;
  if (auto s = it->second.find(session); s != it->second.end()) s->second.last_used = now;
}

void PrincipalLimits::session_closed(const std::string& principal, const std::string& session) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(principal);
  if (it == sessions_.end()) return;
  it->second.erase(session);
  if (it->second.empty()) sessions_.erase(it);
}

std::size_t PrincipalLimits::sessions(const std::string& principal) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(principal);
  return it == sessions_.end() ? 0 : it->second.size();
}

std::size_t PrincipalLimits::sessions_total(Clock::time_point now) {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    prune(it->second, last_idle_, now);
    n += it->second.size();
    it = it->second.empty() ? sessions_.erase(it) : std::next(it);
  }
  return n;
}

PrincipalLimits::InFlight PrincipalLimits::enter(const std::string& principal, const PrincipalLimitsSpec& spec,
                                                 bool* refused) {
  *refused = false;
  if (spec.max_in_flight == 0) return {};
  std::lock_guard lock(mu_);
  auto& n = in_flight_[principal];
  if (n >= spec.max_in_flight) {
    *refused = true;
    return {};
  }
  ++n;
  return InFlight(this, principal);
}

void PrincipalLimits::release(const std::string& principal) {
  std::lock_guard lock(mu_);
  auto it = in_flight_.find(principal);
  if (it == in_flight_.end()) return;
  if (--it->second == 0) in_flight_.erase(it);
}

std::size_t PrincipalLimits::in_flight(const std::string& principal) const {
  std::lock_guard lock(mu_);
  auto it = in_flight_.find(principal);
  return it == in_flight_.end() ? 0 : it->second;
}

}  // namespace gatehouse::gateway
