// Limits per principal on one gateway replica: how many sessions a caller may hold and how
// many requests and SSE streams it may have in flight at once, so one runaway agent cannot
// exhaust the gateway or its upstreams for everyone. Sessions are sealed (no session table
// exists), so this keeps a small one of its own: a session counts from its initialize until
// DELETE, its expiry, or `session_idle` without a request. Shared by every thread; outlives
// config reloads (limits are read from each request's snapshot).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace gatehouse::gateway {

struct PrincipalLimitsSpec {
  unsigned max_sessions = 0;  // 0: no limit
  unsigned max_in_flight = 0;
  std::chrono::seconds session_idle{3600};
};

class PrincipalLimits {
 public:
  using Clock = std::chrono::steady_clock;

  // Whether `principal` may open one more session now (idle and expired ones are dropped
  // first).
  bool may_open_session(const std::string& principal, const PrincipalLimitsSpec& spec, Clock::time_point now = Clock::now());
  // A session was issued / used / ended. `session` is the session id as the client sends it.
  void session_opened(const std::string& principal, const std::string& session, std::int64_t expires_at_unix,
                      Clock::time_point now = Clock::now());
  void session_used(const std::string& principal, const std::string& session, Clock::time_point now = Clock::now());
  void session_closed(const std::string& principal, const std::string& session);
  std::size_t sessions(const std::string& principal) const;
  // Every principal's live sessions (idle and expired ones are dropped first).
  std::size_t sessions_total(Clock::time_point now = Clock::now());

  // A request or stream in flight, released with the guard.
  class InFlight {
   public:
    InFlight() = default;
    InFlight(PrincipalLimits* owner, std::string principal) : owner_(owner), principal_(std::move(principal)) {}
    InFlight(InFlight&& o) noexcept : owner_(o.owner_), principal_(std::move(o.principal_)) { o.owner_ = nullptr; }
    InFlight& operator=(InFlight&&) = delete;
    ~InFlight() {
      if (owner_) owner_->release(principal_);
    }
    explicit operator bool() const { return owner_ != nullptr; }

   private:
    PrincipalLimits* owner_ = nullptr;
    std::string principal_;
  };
  // Guards every request when max_in_flight is set (an unlimited spec gives an engaged
  // guard that counts nothing).
  InFlight enter(const std::string& principal, const PrincipalLimitsSpec& spec, bool* refused);
  std::size_t in_flight(const std::string& principal) const;

 private:
  struct Session {
    Clock::time_point last_used;
    std::int64_t expires_at_unix = 0;
  };
  void prune(std::unordered_map<std::string, Session>& sessions, std::chrono::seconds idle, Clock::time_point now);
  void release(const std::string& principal);

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::unordered_map<std::string, Session>> sessions_;
  std::unordered_map<std::string, unsigned> in_flight_;
  std::chrono::seconds last_idle_{3600};
};

}  // namespace gatehouse::gateway
