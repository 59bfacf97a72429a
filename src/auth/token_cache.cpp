#include "auth/token_cache.hpp"

#include "auth/crypto_util.hpp"

namespace gatehouse::auth {

std::shared_ptr<const Identity> TokenCache::find(std::string_view scope, std::string_view token, std::int64_t now) {
  std::string key = sha256(scope, token);
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  if (now >= it->second->expires_at) {
    lru_.erase(it->second);
    index_.erase(it);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->identity;
}

void TokenCache::insert(std::string_view scope, std::string_view token, std::shared_ptr<const Identity> identity,
                        std::int64_t expires_at) {
  if (max_entries_ == 0) return;
  std::string key = sha256(scope, token);
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(key); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  while (lru_.size() >= max_entries_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
  lru_.push_front(Entry{key, std::move(identity), expires_at});
  index_.emplace(std::move(key), lru_.begin());
}

std::size_t TokenCache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace gatehouse::auth
