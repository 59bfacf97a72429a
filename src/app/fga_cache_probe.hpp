// Feeds the FGA decision caches' hit/miss counts to /metrics. Each config snapshot has its
// own caches (a reload starts empty), so the probe keeps the totals of retired snapshots and
// adds only what is new since the last scrape to the process-lifetime counters.
#pragma once

#include <functional>
#include <mutex>

#include "authz/fga_decision_cache.hpp"
#include "observe/gateway_metrics.hpp"

namespace gatehouse::app {

class FgaCacheProbe {
 public:
  using Source = std::function<authz::FgaCacheStats()>;

  // The current snapshot's source (empty when it has no fga routes).
  void set(Source source) {
    std::lock_guard lock(mu_);
    if (current_) {
      const auto s = current_();
      retired_.hits += s.hits;
      retired_.misses += s.misses;
    }
    current_ = std::move(source);
  }

  void report(const observe::GatewayMetrics& m) {
    if (!m.fga_cache) return;
    std::lock_guard lock(mu_);
    authz::FgaCacheStats total = retired_;
    if (current_) {
      const auto s = current_();
      total.hits += s.hits;
      total.misses += s.misses;
    }
    // Counters only grow: a snapshot's counts are read after it retires, so totals never shrink.
    if (total.hits > reported_.hits) m.fga_cache->with({"hit"}).inc(total.hits - reported_.hits);
    if (total.misses > reported_.misses) m.fga_cache->with({"miss"}).inc(total.misses - reported_.misses);
    reported_.hits = std::max(reported_.hits, total.hits);
    reported_.misses = std::max(reported_.misses, total.misses);
  }

 private:
  std::mutex mu_;
  Source current_;
  authz::FgaCacheStats retired_, reported_;
};

}  // namespace gatehouse::app
