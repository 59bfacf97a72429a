// Allowed/denied answers of the fga policy, kept for a short time so a busy tool is not
// re-checked on every call. One cache per config snapshot (a reload starts empty); bounded
// in entries (LRU per shard) and in age (ttl). Shards with a mutex each: the gateway runs
// one event loop per core and they all share the snapshot's cache.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace gatehouse::authz {

struct FgaCacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t entries = 0;
};

class FgaDecisionCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // ttl <= 0 turns the cache off (every lookup misses, nothing is stored).
  FgaDecisionCache(std::chrono::milliseconds ttl, std::uint64_t max_entries, Clock clock = {});

  bool enabled() const { return ttl_.count() > 0; }

  // The cached decision for `key`, if present and younger than ttl.
  std::optional<bool> get(const std::string& key);
  // Store a decision (only decisions: the caller never stores an error).
  void put(const std::string& key, bool allowed);

  FgaCacheStats stats() const;

 private:
  static constexpr std::size_t kShards = 16;
  struct Entry {
    bool allowed;
    std::chrono::steady_clock::time_point expires;
    std::list<std::string>::iterator lru;  // position in Shard::order
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Entry> map;
    std::list<std::string> order;  // most recently used first
  };

  Shard& shard_of(const std::string& key);
  std::chrono::steady_clock::time_point now() const;

  std::chrono::milliseconds ttl_;
  std::size_t per_shard_;
  Clock clock_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> hits_{0}, misses_{0};
};

}  // namespace gatehouse::authz
