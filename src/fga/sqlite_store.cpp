#include "fga/sqlite_store.hpp"

#include <boost/json.hpp>
#include <sqlite3.h>

namespace gatehouse::fga {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS fga_tuples (
  store TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object TEXT NOT NULL,
  relation TEXT NOT NULL,
  user TEXT NOT NULL,
  is_userset INTEGER NOT NULL,
  condition TEXT NOT NULL DEFAULT '',
  context TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (store, object, relation, user)
) WITHOUT ROWID;
-- Serves the ListObjects candidate scan (store, object_type) and its reverse expansion
-- (store, object_type, relation, user).
CREATE INDEX IF NOT EXISTS fga_tuples_by_type ON fga_tuples (store, object_type, relation, user);
)sql";

constexpr const char* kColumns = "object, relation, user, condition, context";

// Resets a statement when a scope ends, whatever path leaves it.
struct StmtGuard {
  sqlite3_stmt* s;
  ~StmtGuard() {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
};

void bind_text(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

std::string column(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(s, i)))
           : std::string();
}

Tuple row_tuple(sqlite3_stmt* s) {
  Tuple t;
  t.key.object = column(s, 0);
  t.key.relation = column(s, 1);
  t.key.user = column(s, 2);
  t.condition = column(s, 3);
  std::string ctx = column(s, 4);
  if (!ctx.empty()) {
    boost::system::error_code ec;
    auto v = boost::json::parse(ctx, ec);
    if (!ec && v.is_object()) t.context = std::move(v.as_object());
  }
  return t;
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, std::string store_id) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return fail(Errc::unavailable, "sqlite open " + path + ": " + msg, "fga.store");
  }
  std::unique_ptr<SqliteStore> s(new SqliteStore(db, std::move(store_id)));
  sqlite3_busy_timeout(db, 5000);
  if (path != ":memory:") GH_CHECK(s->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"));
  GH_CHECK(s->exec(kSchema));
  GH_CHECK(s->prepare());
  return s;
}

SqliteStore::~SqliteStore() {
  for (sqlite3_stmt* s : {insert_, erase_, exists_, by_relation_, usersets_, objects_, by_user_}) sqlite3_finalize(s);
  sqlite3_close(db_);
}

Unexpected SqliteStore::db_error(const std::string& what) const {
  return fail(Errc::unavailable, "sqlite " + what + ": " + sqlite3_errmsg(db_), "fga.store");
}

Status SqliteStore::exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return fail(Errc::unavailable, "sqlite: " + msg, "fga.store");
  }
  return {};
}

Status SqliteStore::prepare() {
  auto prep = [&](sqlite3_stmt** out, const std::string& sql) -> Status {
    if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, out, nullptr) != SQLITE_OK)
      return db_error("prepare");
    return {};
  };
  const std::string cols = kColumns;
  GH_CHECK(prep(&insert_,
                "INSERT INTO fga_tuples (store, object_type, object, relation, user, is_userset, condition, "
                "context) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  GH_CHECK(prep(&erase_, "DELETE FROM fga_tuples WHERE store=?1 AND object=?2 AND relation=?3 AND user=?4"));
  GH_CHECK(prep(&exists_, "SELECT " + cols +
                              " FROM fga_tuples WHERE store=?1 AND object=?2 AND relation=?3 AND user=?4"));
  GH_CHECK(prep(&by_relation_, "SELECT " + cols + " FROM fga_tuples WHERE store=?1 AND object=?2 AND relation=?3"));
  GH_CHECK(prep(&usersets_, "SELECT " + cols +
                                " FROM fga_tuples WHERE store=?1 AND object=?2 AND relation=?3 AND is_userset=1"));
  // Without ANALYZE statistics SQLite prefers the primary key's `store=?` prefix (a scan of
  // the whole store) to this four-column equality match; name the index.
  GH_CHECK(prep(&by_user_, "SELECT " + cols +
                               " FROM fga_tuples INDEXED BY fga_tuples_by_type"
                               " WHERE store=?1 AND object_type=?2 AND relation=?3 AND user=?4"));
  GH_CHECK(prep(&objects_, "SELECT DISTINCT object FROM fga_tuples WHERE store=?1 AND object_type=?2 ORDER BY object"));
  return {};
}

Status SqliteStore::write(std::span<const Tuple> writes, std::span<const TupleKey> deletes) {
  GH_CHECK(check_unique(writes, deletes));
  std::lock_guard lock(mu_);
  GH_CHECK(exec("BEGIN IMMEDIATE"));
  auto rollback = [&](Unexpected e) -> Status {
    (void)exec("ROLLBACK");
    return e;
  };
  for (const auto& d : deletes) {
    StmtGuard g{erase_};
    bind_text(erase_, 1, store_);
    bind_text(erase_, 2, d.object);
    bind_text(erase_, 3, d.relation);
    bind_text(erase_, 4, d.user);
    if (sqlite3_step(erase_) != SQLITE_DONE) return rollback(db_error("delete"));
    if (sqlite3_changes(db_) == 0)
      return rollback(fail(Errc::not_found, "cannot delete a tuple which does not exist: " + d.user + " " +
                                                d.relation + " " + d.object));
  }
  for (const auto& w : writes) {
    StmtGuard g{insert_};
    bind_text(insert_, 1, store_);
    bind_text(insert_, 2, object_type(w.key.object));
    bind_text(insert_, 3, w.key.object);
    bind_text(insert_, 4, w.key.relation);
    bind_text(insert_, 5, w.key.user);
    sqlite3_bind_int(insert_, 6, w.key.user.find('#') != std::string::npos ? 1 : 0);
    bind_text(insert_, 7, w.condition);
    bind_text(insert_, 8, w.context.empty() ? std::string() : boost::json::serialize(w.context));
    int rc = sqlite3_step(insert_);
    if (rc == SQLITE_CONSTRAINT && sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_PRIMARYKEY)
      return rollback(fail(Errc::conflict, "cannot write a tuple which already exists: " + w.key.user + " " +
                                               w.key.relation + " " + w.key.object));
    if (rc != SQLITE_DONE) return rollback(db_error("insert"));
  }
  return exec("COMMIT");
}

Status SqliteStore::for_each(std::string_view object, std::string_view relation, Users which,
                             const std::function<bool(const Tuple&)>& fn) const {
  // Rows are collected before calling back: the callback may re-enter the store.
  std::vector<Tuple> rows;
  {
    std::lock_guard lock(mu_);
    sqlite3_stmt* s = which == Users::usersets ? usersets_ : by_relation_;
    StmtGuard g{s};
    bind_text(s, 1, store_);
    bind_text(s, 2, object);
    bind_text(s, 3, relation);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) rows.push_back(row_tuple(s));
    if (rc != SQLITE_DONE) return db_error("read");
  }
  for (const auto& t : rows)
    if (!fn(t)) break;
  return {};
}

Status SqliteStore::for_each_by_user(std::string_view object_type, std::string_view relation,
                                     std::string_view user,
                                     const std::function<bool(const Tuple&)>& fn) const {
  std::vector<Tuple> rows;  // collected first: the callback may re-enter the store
  {
    std::lock_guard lock(mu_);
    StmtGuard g{by_user_};
    bind_text(by_user_, 1, store_);
    bind_text(by_user_, 2, object_type);
    bind_text(by_user_, 3, relation);
    bind_text(by_user_, 4, user);
    int rc;
    while ((rc = sqlite3_step(by_user_)) == SQLITE_ROW) rows.push_back(row_tuple(by_user_));
    if (rc != SQLITE_DONE) return db_error("read");
  }
  for (const auto& t : rows)
    if (!fn(t)) break;
  return {};
}

Result<std::optional<Tuple>> SqliteStore::find(const TupleKey& key) const {
  std::lock_guard lock(mu_);
  StmtGuard g{exists_};
  bind_text(exists_, 1, store_);
  bind_text(exists_, 2, key.object);
  bind_text(exists_, 3, key.relation);
  bind_text(exists_, 4, key.user);
  int rc = sqlite3_step(exists_);
  if (rc == SQLITE_ROW) return std::optional<Tuple>(row_tuple(exists_));
  if (rc != SQLITE_DONE) return db_error("read");
  return std::optional<Tuple>();
}

Result<std::vector<Tuple>> SqliteStore::read(const TupleKey& f) const {
  std::string sql = std::string("SELECT ") + kColumns + " FROM fga_tuples WHERE store=?1";
  bool type_only = !f.object.empty() && f.object.back() == ':';
  if (!f.object.empty()) sql += type_only ? " AND object_type=?2" : " AND object=?2";
  if (!f.relation.empty()) sql += " AND relation=?3";
  if (!f.user.empty()) sql += " AND user=?4";
  sql += " ORDER BY object, relation, user";
  std::lock_guard lock(mu_);
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) return db_error("prepare");
  bind_text(s, 1, store_);
  if (!f.object.empty()) bind_text(s, 2, type_only ? std::string_view(f.object).substr(0, f.object.size() - 1) : f.object);
  if (!f.relation.empty()) bind_text(s, 3, f.relation);
  if (!f.user.empty()) bind_text(s, 4, f.user);
  std::vector<Tuple> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.push_back(row_tuple(s));
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return db_error("read");
  return out;
}

Result<std::vector<std::string>> SqliteStore::objects_of_type(std::string_view type) const {
  std::lock_guard lock(mu_);
  StmtGuard g{objects_};
  bind_text(objects_, 1, store_);
  bind_text(objects_, 2, type);
  std::vector<std::string> out;
  int rc;
  while ((rc = sqlite3_step(objects_)) == SQLITE_ROW) out.push_back(column(objects_, 0));
  if (rc != SQLITE_DONE) return db_error("read");
  return out;
}

}  // namespace gatehouse::fga
