#include "authz/fga_decision_cache.hpp"

#include <algorithm>

namespace gatehouse::authz {

FgaDecisionCache::FgaDecisionCache(std::chrono::milliseconds ttl, std::uint64_t max_entries, Clock clock)
    : ttl_(ttl),
      // Rounded up so a small bound still holds one entry per shard; the total stays within
      // max_entries + kShards - 1.
      per_shard_(static_cast<std::size_t>(std::max<std::uint64_t>(1, (max_entries + kShards - 1) / kShards))),
      clock_(std::move(clock)) {}

std::chrono::steady_clock::time_point FgaDecisionCache::now() const {
  return clock_ ? clock_() : std::chrono::steady_clock::now();
}

FgaDecisionCache::Shard& FgaDecisionCache::shard_of(const std::string& key) {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

std::optional<bool> FgaDecisionCache::get(const std::string& key) {
  if (!enabled()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  Shard& s = shard_of(key);
  const auto t = now();
  std::lock_guard lock(s.mutex);
  auto it = s.map.find(key);
  if (it == s.map.end() || it->second.expires <= t) {
    if (it != s.map.end()) {
      s.order.erase(it->second.lru);
      s.map.erase(it);
    }
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  s.order.splice(s.order.begin(), s.order, it->second.lru);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return it->second.allowed;
}

void FgaDecisionCache::put(const std::string& key, bool allowed) {
  if (!enabled()) return;
  Shard& s = shard_of(key);
  const auto expires = now() + ttl_;
  std::lock_guard lock(s.mutex);
  if (auto it = s.map.find(key); it != s.map.end()) {
    it->second.allowed = allowed;
    it->second.expires = expires;
    s.order.splice(s.order.begin(), s.order, it->second.lru);
    return;
  }
  if (s.map.size() >= per_shard_) {
    s.map.erase(s.order.back());
    s.order.pop_back();
  }
  s.order.push_front(key);
  s.map.emplace(key, Entry{allowed, expires, s.order.begin()});
}

FgaCacheStats FgaDecisionCache::stats() const {
  FgaCacheStats out{hits_.load(std::memory_order_relaxed), misses_.load(std::memory_order_relaxed), 0};
  for (auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    out.entries += s.map.size();
  }
  return out;
}

}  // namespace gatehouse::authz
