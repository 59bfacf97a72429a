// An in-memory TupleStore: hash maps keyed by object#relation then user, for tests, the
// benchmarks and gateways that load their tuples from a file.
#pragma once

#include <map>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>

#include "fga/store.hpp"

namespace gatehouse::fga {

class MemoryStore final : public TupleStore {
 public:
  // TupleStore
  Status write(std::span<const Tuple> writes, std::span<const TupleKey> deletes) override;
  Status for_each(std::string_view object, std::string_view relation, Users which,
                  const std::function<bool(const Tuple&)>& fn) const override;
  Result<std::optional<Tuple>> find(const TupleKey& key) const override;
  Result<std::vector<Tuple>> read(const TupleKey& filter) const override;
  Result<std::vector<std::string>> objects_of_type(std::string_view type) const override;
  Status for_each_by_user(std::string_view object_type, std::string_view relation, std::string_view user,
                          const std::function<bool(const Tuple&)>& fn) const override;

  size_t size() const;

 private:
  // Usersets (`type:id#rel`) are kept apart so Check can visit them without scanning every
  // direct user of a popular object.
  struct Entry {
    std::unordered_map<std::string, Tuple> users;
    std::unordered_map<std::string, Tuple> usersets;
    std::unordered_map<std::string, Tuple>& pick(std::string_view user) {
      return user.find('#') == std::string_view::npos ? users : usersets;
    }
    const std::unordered_map<std::string, Tuple>& pick(std::string_view user) const {
      return user.find('#') == std::string_view::npos ? users : usersets;
    }
    bool empty() const { return users.empty() && usersets.empty(); }
  };
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Entry> by_relation_;  // "object#relation" -> user -> tuple
  std::unordered_map<std::string, std::map<std::string, size_t>> objects_;  // type -> object -> count
  // "type#relation@user" -> objects: ListObjects walks from a user to the objects naming it.
  std::unordered_map<std::string, std::unordered_set<std::string>> by_user_;
  size_t size_ = 0;
};

}  // namespace gatehouse::fga
