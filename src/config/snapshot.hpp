// The current immutable config (or anything built from it) behind an atomic pointer: a
// request loads the snapshot once and keeps it to the end; a reload stores a new one. The
// generation counts stores, so logs and /config can say which version answered.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace gatehouse::config {

template <class T>
class SnapshotHolder {
 public:
  struct Snapshot {
    std::shared_ptr<const T> value;
    std::uint64_t generation = 0;
  };

  SnapshotHolder() : entry_(std::make_shared<const Snapshot>()) {}
  explicit SnapshotHolder(std::shared_ptr<const T> initial)
      : entry_(std::make_shared<const Snapshot>(Snapshot{std::move(initial), 1})) {}
  SnapshotHolder(const SnapshotHolder&) = delete;
  SnapshotHolder& operator=(const SnapshotHolder&) = delete;

  // The value and the generation it was stored with, read together.
  Snapshot current() const { return *entry_.load(std::memory_order_acquire); }
  std::shared_ptr<const T> load() const { return entry_.load(std::memory_order_acquire)->value; }
  std::uint64_t generation() const { return entry_.load(std::memory_order_acquire)->generation; }

  // Publishes `next`; returns its generation (1 for the first store).
  std::uint64_t store(std::shared_ptr<const T> next) {
    auto cur = entry_.load(std::memory_order_acquire);
    for (;;) {
      auto entry = std::make_shared<const Snapshot>(Snapshot{next, cur->generation + 1});
      if (entry_.compare_exchange_weak(cur, entry, std::memory_order_acq_rel, std::memory_order_acquire))
        return entry->generation;
    }
  }

 private:
  std::atomic<std::shared_ptr<const Snapshot>> entry_;
};

}  // namespace gatehouse::config
