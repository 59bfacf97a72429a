// Verified credentials by hash of the token (never the token itself), each until its expiry,
// in a bounded LRU: a repeat request skips signature checks and introspection calls.
// Thread-safe; shared by the JWT and introspection paths.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/identity.hpp"

namespace gatehouse::auth {

class TokenCache {
 public:
  explicit TokenCache(std::size_t max_entries) : max_entries_(max_entries) {}

  // The identity when cached and now < expires_at; expired entries are dropped.
  std::shared_ptr<const Identity> find(std::string_view token, std::int64_t now) { return find({}, token, now); }
  // expires_at in unix seconds; the least recently used entry goes when full.
  void insert(std::string_view token, std::shared_ptr<const Identity> identity, std::int64_t expires_at) {
    insert({}, token, std::move(identity), expires_at);
  }
  // The same for the key scope + token (an authenticator's issuers and audiences, then the
  // token), without joining the two first.
  std::shared_ptr<const Identity> find(std::string_view scope, std::string_view token, std::int64_t now);
  void insert(std::string_view scope, std::string_view token, std::shared_ptr<const Identity> identity,
              std::int64_t expires_at);

  std::size_t size() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const Identity> identity;
    std::int64_t expires_at;
  };
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // front = most recent
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace gatehouse::auth
