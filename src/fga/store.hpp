// The tuple store interface every backend implements (memory, SQLite, PostgreSQL): one
// OpenFGA store's tuples, written in batches and read by object#relation (Check's hot path),
// by filter (the Read API), by object type (the ListObjects fallback scan) and by user within
// an object type and relation (ListObjects' reverse expansion).
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "fga/tuple.hpp"

namespace gatehouse::fga {

class TupleStore {
 public:
  virtual ~TupleStore() = default;

  // Atomically deletes then writes. Writing a tuple that exists, or deleting one that does
  // not, fails (Errc::conflict / Errc::not_found) and changes nothing.
  virtual Status write(std::span<const Tuple> writes, std::span<const TupleKey> deletes) = 0;

  // Which users of object#relation a scan visits.
  enum class Users { all, usersets };

  // Calls `fn` for each tuple of object#relation until it returns false.
  virtual Status for_each(std::string_view object, std::string_view relation, Users which,
                          const std::function<bool(const Tuple&)>& fn) const = 0;

  // The tuple object#relation@user, if stored.
  virtual Result<std::optional<Tuple>> find(const TupleKey& key) const = 0;

  // Read API filter: an empty field matches anything; object may be "type:" for every
  // object of a type.
  virtual Result<std::vector<Tuple>> read(const TupleKey& filter) const = 0;

  // Every object (`type:id`) of a type that appears in some tuple.
  virtual Result<std::vector<std::string>> objects_of_type(std::string_view type) const = 0;

  // Calls `fn` for each tuple `<object_type>:*#relation@user` (the user exactly as stored)
  // until it returns false. The stores answer it from an index on (object type, relation,
  // user); this default filters read() for stores that have none.
  virtual Status for_each_by_user(std::string_view object_type, std::string_view relation,
                                  std::string_view user,
                                  const std::function<bool(const Tuple&)>& fn) const {
    GH_TRY(std::vector<Tuple> found,
           read(TupleKey{std::string(object_type) + ":", std::string(relation), std::string(user)}));
    for (const auto& t : found)
      if (!fn(t)) break;
    return {};
  }
};

// OpenFGA refuses a request that names one tuple twice (in writes, deletes or both).
inline Status check_unique(std::span<const Tuple> writes, std::span<const TupleKey> deletes) {
  std::set<std::string> seen;
  auto add = [&](const TupleKey& k) { return seen.insert(k.object + "#" + k.relation + "@" + k.user).second; };
  for (const auto& d : deletes)
    if (!add(d)) return fail(Errc::conflict, "duplicate tuple in one request: " + d.user + " " + d.relation + " " + d.object);
  for (const auto& w : writes)
    if (!add(w.key))
      return fail(Errc::conflict, "duplicate tuple in one request: " + w.key.user + " " + w.key.relation + " " + w.key.object);
  return {};
}

}  // namespace gatehouse::fga
