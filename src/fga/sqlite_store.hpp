// A TupleStore on SQLite: the embedded, persistent default. Several OpenFGA stores share
// one database file (rows are keyed by store id); statements are prepared once and a mutex
// serialises use of the one connection.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "fga/store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace gatehouse::fga {

class SqliteStore final : public TupleStore {
 public:
  // `path` may be ":memory:". Creates the schema when missing.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, std::string store_id);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // TupleStore
  Status write(std::span<const Tuple> writes, std::span<const TupleKey> deletes) override;
  Status for_each(std::string_view object, std::string_view relation, Users which,
                  const std::function<bool(const Tuple&)>& fn) const override;
  Result<std::optional<Tuple>> find(const TupleKey& key) const override;
  Result<std::vector<Tuple>> read(const TupleKey& filter) const override;
  Result<std::vector<std::string>> objects_of_type(std::string_view type) const override;
  Status for_each_by_user(std::string_view object_type, std::string_view relation, std::string_view user,
                          const std::function<bool(const Tuple&)>& fn) const override;

 private:
  SqliteStore(sqlite3* db, std::string store_id) : db_(db), store_(std::move(store_id)) {}
  Status prepare();
  Status exec(const char* sql) const;
  Unexpected db_error(const std::string& what) const;

  sqlite3* db_;
  std::string store_;
  mutable std::mutex mu_;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* erase_ = nullptr;
  sqlite3_stmt* exists_ = nullptr;
  sqlite3_stmt* by_relation_ = nullptr;
  sqlite3_stmt* usersets_ = nullptr;
  sqlite3_stmt* objects_ = nullptr;
  sqlite3_stmt* by_user_ = nullptr;
};

}  // namespace gatehouse::fga
