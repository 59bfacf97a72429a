#include "fga/memory_store.hpp"

#include <mutex>
#include <set>

namespace gatehouse::fga {
namespace {

std::string rel_key(std::string_view object, std::string_view relation) {
  std::string k;
  k.reserve(object.size() + relation.size() + 1);
  k.append(object).push_back('#');
  k.append(relation);
  return k;
}

std::string user_key(std::string_view type, std::string_view relation, std::string_view user) {
  std::string k;
  k.reserve(type.size() + relation.size() + user.size() + 2);
  k.append(type).push_back('#');
  k.append(relation).push_back('@');
  k.append(user);
  return k;
}

bool matches(const TupleKey& f, const TupleKey& k) {
  if (!f.object.empty()) {
    if (f.object.back() == ':') {
      if (k.object.compare(0, f.object.size(), f.object) != 0) return false;
    } else if (f.object != k.object) {
      return false;
    }
  }
  if (!f.relation.empty() && f.relation != k.relation) return false;
  if (!f.user.empty() && f.user != k.user) return false;
  return true;
}

}  // namespace

Status MemoryStore::write(std::span<const Tuple> writes, std::span<const TupleKey> deletes) {
  GH_CHECK(check_unique(writes, deletes));
  std::unique_lock lock(mu_);
  for (const auto& d : deletes) {
    auto it = by_relation_.find(rel_key(d.object, d.relation));
    if (it == by_relation_.end() || !it->second.pick(d.user).count(d.user))
      return fail(Errc::not_found, "cannot delete a tuple which does not exist: " + d.user + " " +
                                       d.relation + " " + d.object);
  }
  for (const auto& w : writes) {
    const auto& k = w.key;
    auto it = by_relation_.find(rel_key(k.object, k.relation));
    if (it != by_relation_.end() && it->second.pick(k.user).count(k.user))
      return fail(Errc::conflict, "cannot write a tuple which already exists: " + k.user + " " +
                                      k.relation + " " + k.object);
  }
  for (const auto& d : deletes) {
    auto it = by_relation_.find(rel_key(d.object, d.relation));
    it->second.pick(d.user).erase(d.user);
    if (it->second.empty()) by_relation_.erase(it);
    auto& objs = objects_[std::string(object_type(d.object))];
    if (--objs[d.object] == 0) objs.erase(d.object);
    auto bu = by_user_.find(user_key(object_type(d.object), d.relation, d.user));
    bu->second.erase(d.object);
    if (bu->second.empty()) by_user_.erase(bu);
    --size_;
  }
  for (const auto& w : writes) {
    by_relation_[rel_key(w.key.object, w.key.relation)].pick(w.key.user)[w.key.user] = w;
    ++objects_[std::string(object_type(w.key.object))][w.key.object];
    by_user_[user_key(object_type(w.key.object), w.key.relation, w.key.user)].insert(w.key.object);
    ++size_;
  }
  return {};
}

Status MemoryStore::for_each(std::string_view object, std::string_view relation, Users which,
                             const std::function<bool(const Tuple&)>& fn) const {
  std::shared_lock lock(mu_);
  auto it = by_relation_.find(rel_key(object, relation));
  if (it == by_relation_.end()) return {};
  for (const auto& [user, t] : it->second.usersets)
    if (!fn(t)) return {};
  if (which == Users::all)
    for (const auto& [user, t] : it->second.users)
      if (!fn(t)) return {};
  return {};
}

Result<std::optional<Tuple>> MemoryStore::find(const TupleKey& key) const {
  std::shared_lock lock(mu_);
  auto it = by_relation_.find(rel_key(key.object, key.relation));
  if (it == by_relation_.end()) return std::optional<Tuple>();
  const auto& m = it->second.pick(key.user);
  auto u = m.find(key.user);
  if (u == m.end()) return std::optional<Tuple>();
  return std::optional<Tuple>(u->second);
}

Result<std::vector<Tuple>> MemoryStore::read(const TupleKey& filter) const {
  std::shared_lock lock(mu_);
  std::vector<Tuple> out;
  for (const auto& [k, entry] : by_relation_) {
    for (const auto& [u, t] : entry.users)
      if (matches(filter, t.key)) out.push_back(t);
    for (const auto& [u, t] : entry.usersets)
      if (matches(filter, t.key)) out.push_back(t);
  }
  return out;
}

Result<std::vector<std::string>> MemoryStore::objects_of_type(std::string_view type) const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  auto it = objects_.find(std::string(type));
  if (it == objects_.end()) return out;
  for (const auto& [obj, n] : it->second) out.push_back(obj);
  return out;
}

Status MemoryStore::for_each_by_user(std::string_view object_type, std::string_view relation,
                                     std::string_view user,
                                     const std::function<bool(const Tuple&)>& fn) const {
  std::shared_lock lock(mu_);
  auto it = by_user_.find(user_key(object_type, relation, user));
  if (it == by_user_.end()) return {};
  const std::string u(user);
  std::string key;
  for (const auto& object : it->second) {
    key.assign(object).push_back('#');
    key.append(relation);
    const auto& m = by_relation_.find(key)->second.pick(user);
    if (!fn(m.find(u)->second)) break;
  }
  return {};
}

size_t MemoryStore::size() const {
  std::shared_lock lock(mu_);
  return size_;
}

}  // namespace gatehouse::fga
