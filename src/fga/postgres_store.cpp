#include "fga/postgres_store.hpp"

#include <dlfcn.h>
#include <libpq-fe.h>  // types, and the prototypes the table below takes its types from

#include <array>
#include <cassert>
#include <mutex>
#include <boost/json.hpp>

namespace gatehouse::fga {
namespace {

// libpq is loaded when the first postgres store opens, not linked: it and what it pulls in
// (gnutls, krb5, ldap, ...) cost every process ~3 MB of RSS, and few configure postgres.
// Each name X is the function PQX, typed from <libpq-fe.h> (its C API is stable).
#define GH_LIBPQ_FUNCTIONS(X)                                                                            \
  X(clear) X(cmdTuples) X(connectdbParams) X(conninfoFree) X(conninfoParse) X(errorMessage) X(exec)    \
  X(execParams) X(execPrepared) X(finish) X(freemem) X(getlength) X(getvalue) X(ntuples) X(prepare)   \
  X(resultErrorField) X(resultErrorMessage) X(resultStatus) X(setNoticeProcessor) X(status)          \
  X(transactionStatus)

struct Libpq {
#define GH_LIBPQ_FIELD(name) decltype(&PQ##name) name = nullptr;
  GH_LIBPQ_FUNCTIONS(GH_LIBPQ_FIELD)
#undef GH_LIBPQ_FIELD
};

constexpr const char* kLibpqSoname = "libpq.so.5";

// Fills `out` from the library `soname`; the handle stays open for the process's life (a
// store may outlive any one caller). Errors say which package provides the library.
Status load_libpq(const char* soname, Libpq& out, void** handle = nullptr) {
  void* h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* why = dlerror();
    return fail(Errc::invalid_config,
                std::string("PostgreSQL store needs ") + soname + " (Debian: libpq5): " + (why ? why : "not found"),
                "fga.store");
  }
#define GH_LIBPQ_SYMBOL(name)                                                                          \
  out.name = reinterpret_cast<decltype(out.name)>(dlsym(h, "PQ" #name));                              \
  if (!out.name) {                                                                                     \
    dlclose(h);                                                                                        \
    return fail(Errc::invalid_config,                                                                  \
                std::string("PostgreSQL store needs ") + soname + " (Debian: libpq5): it has no PQ" #name, \
                "fga.store");                                                                          \
  }
  GH_LIBPQ_FUNCTIONS(GH_LIBPQ_SYMBOL)
#undef GH_LIBPQ_SYMBOL
  if (handle) *handle = h;
  return {};
}

Libpq g_libpq;
Status g_libpq_status;

// Loads libpq.so.5 once per process; later calls return the first outcome.
const Status& ensure_libpq() {
  static std::once_flag once;
  std::call_once(once, [] { g_libpq_status = load_libpq(kLibpqSoname, g_libpq); });
  return g_libpq_status;
}

// Only reached from a store, which exists only once ensure_libpq() succeeded.
const Libpq& pq() {
  assert(g_libpq.finish != nullptr);
  return g_libpq;
}

// Columns are COLLATE "C" so ORDER BY is byte order whatever the database's locale, as in
// SQLite (ListObjects and the Read API return sorted objects).
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS fga_tuples (
  store TEXT COLLATE "C" NOT NULL,
  object_type TEXT COLLATE "C" NOT NULL,
  object TEXT COLLATE "C" NOT NULL,
  relation TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  is_userset BOOLEAN NOT NULL,
  condition TEXT NOT NULL DEFAULT '',
  context TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (store, object, relation, user_id)
);
-- Serves the ListObjects candidate scan (store, object_type) and its reverse expansion
-- (store, object_type, relation, user_id).
CREATE INDEX IF NOT EXISTS fga_tuples_by_type ON fga_tuples (store, object_type, relation, user_id);
)sql";

// Serialises schema creation between gateways starting at once: concurrent CREATE TABLE IF
// NOT EXISTS can otherwise fail on the catalog's unique index. Any constant works; this one
// spells "gatehfga".
constexpr const char* kSchemaLock = "SELECT pg_advisory_xact_lock(7449354035005433697)";

constexpr const char* kColumns = "object, relation, user_id, condition, context";
constexpr Oid kTextOid = 25;

struct Statement {
  const char* name;
  std::string sql;
  int params;
};

const std::array<Statement, 7>& statements() {
  static const std::string cols = kColumns;
  static const std::array<Statement, 7> s{{
      // is_userset is derived in SQL so no caller can store an inconsistent flag.
      {"gh_fga_insert",
       "INSERT INTO fga_tuples (store, object_type, object, relation, user_id, is_userset, condition, context) "
       "VALUES ($1, $2, $3, $4, $5, strpos($5, '#') > 0, $6, $7)",
       7},
      {"gh_fga_erase", "DELETE FROM fga_tuples WHERE store=$1 AND object=$2 AND relation=$3 AND user_id=$4", 4},
      {"gh_fga_find", "SELECT " + cols + " FROM fga_tuples WHERE store=$1 AND object=$2 AND relation=$3 AND user_id=$4",
       4},
      {"gh_fga_by_relation", "SELECT " + cols + " FROM fga_tuples WHERE store=$1 AND object=$2 AND relation=$3", 3},
      {"gh_fga_usersets",
       "SELECT " + cols + " FROM fga_tuples WHERE store=$1 AND object=$2 AND relation=$3 AND is_userset", 3},
      {"gh_fga_by_user",
       "SELECT " + cols + " FROM fga_tuples WHERE store=$1 AND object_type=$2 AND relation=$3 AND user_id=$4", 4},
      {"gh_fga_objects", "SELECT DISTINCT object FROM fga_tuples WHERE store=$1 AND object_type=$2 ORDER BY object", 2},
  }};
  return s;
}

using PgResult = std::unique_ptr<PGresult, decltype(&PQclear)>;

// libpq messages end in a newline and may span lines; logs want one line.
std::string one_line(const char* m) {
  std::string s = m ? m : "";
  for (char& ch : s)
    if (ch == '\n' || ch == '\t' || ch == '\r') ch = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// Parameters go as binary text (explicit lengths): a value is never cut at a NUL byte nor
// spliced into SQL; the server refuses bytes that are not valid text.
PgResult exec(PGconn* c, const char* name_or_sql, std::initializer_list<std::string_view> params, bool prepared) {
  constexpr std::size_t kMax = 8;
  assert(params.size() <= kMax);
  std::array<const char*, kMax> values{};
  std::array<int, kMax> lengths{};
  std::array<int, kMax> formats{};
  std::array<Oid, kMax> types{};
  std::size_t i = 0;
  for (std::string_view p : params) {
    values[i] = p.empty() ? "" : p.data();  // a null pointer would mean SQL NULL
    lengths[i] = static_cast<int>(p.size());
    formats[i] = 1;
    types[i] = kTextOid;
    ++i;
  }
  int n = static_cast<int>(params.size());
  PGresult* r = prepared ? pq().execPrepared(c, name_or_sql, n, values.data(), lengths.data(), formats.data(), 0)
                         : pq().execParams(c, name_or_sql, n, types.data(), values.data(), lengths.data(), formats.data(), 0);
  return PgResult(r, pq().clear);
}

PgResult simple(PGconn* c, const char* sql) { return PgResult(pq().exec(c, sql), pq().clear); }

bool ok(const PgResult& r) {
  auto s = r ? pq().resultStatus(r.get()) : PGRES_FATAL_ERROR;
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

std::string sqlstate(const PgResult& r) {
  const char* s = r ? pq().resultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
  return s ? s : "";
}

// Data errors (bad encoding, a NUL byte, a key too long for the index) come from the caller's
// input; anything else means the database cannot serve us.
Unexpected pg_error(PGconn* c, const PgResult& r, std::string_view what) {
  const char* text = r ? pq().resultErrorMessage(r.get()) : nullptr;
  std::string msg = one_line(text && text[0] ? text : pq().errorMessage(c));
  std::string state = sqlstate(r);
  if (state.rfind("22", 0) == 0 || state == "54000")
    return fail(Errc::invalid_params, "postgres " + std::string(what) + ": " + msg, "fga.store");
  return fail(Errc::unavailable, "postgres " + std::string(what) + ": " + msg, "fga.store");
}

std::string value(const PGresult* r, int row, int col) {
  return std::string(pq().getvalue(r, row, col), static_cast<std::size_t>(pq().getlength(r, row, col)));
}

Tuple row_tuple(const PGresult* r, int row) {
  Tuple t;
  t.key.object = value(r, row, 0);
  t.key.relation = value(r, row, 1);
  t.key.user = value(r, row, 2);
  t.condition = value(r, row, 3);
  std::string ctx = value(r, row, 4);
  if (!ctx.empty()) {
    boost::system::error_code ec;
    auto v = boost::json::parse(ctx, ec);
    if (!ec && v.is_object()) t.context = std::move(v.as_object());
  }
  return t;
}

std::vector<Tuple> rows(const PgResult& r) {
  std::vector<Tuple> out;
  int n = pq().ntuples(r.get());
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back(row_tuple(r.get(), i));
  return out;
}

// The DSN's password, to scrub from any message libpq builds (it can quote the DSN).
std::string password_of(const std::string& dsn) {
  std::string pw;
  char* err = nullptr;
  PQconninfoOption* opts = pq().conninfoParse(dsn.c_str(), &err);
  pq().freemem(err);
  if (!opts) return pw;
  for (PQconninfoOption* o = opts; o->keyword; ++o)
    if (std::string_view(o->keyword) == "password" && o->val) pw = o->val;
  pq().conninfoFree(opts);
  return pw;
}

std::string scrub(std::string msg, const std::string& secret) {
  if (secret.empty()) return msg;
  for (auto at = msg.find(secret); at != std::string::npos; at = msg.find(secret, at))
    msg.replace(at, secret.size(), "***");
  return msg;
}

}  // namespace

namespace detail {
Status probe_libpq(const char* soname) {
  Libpq table;
  void* handle = nullptr;
  GH_CHECK(load_libpq(soname, table, &handle));
  dlclose(handle);
  return {};
}
}  // namespace detail

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& dsn, std::string store_id) {
  if (const Status& loaded = ensure_libpq(); !loaded) return loaded.propagate();
  char* err = nullptr;
  PQconninfoOption* opts = pq().conninfoParse(dsn.c_str(), &err);
  pq().freemem(err);  // its text may quote the DSN
  if (!opts) return fail(Errc::invalid_config, "postgres: the dsn is not a valid connection string", "fga.store");
  pq().conninfoFree(opts);

  std::unique_ptr<PostgresStore> s(new PostgresStore(dsn, std::move(store_id)));
  GH_TRY(PGconn * c, s->connect());
  // Skip CREATE when the table exists: a role with only DML rights can still use it.
  PgResult exists = simple(c, "SELECT to_regclass('fga_tuples') IS NOT NULL");
  if (!ok(exists)) {
    auto e = pg_error(c, exists, "schema");
    pq().finish(c);
    return e;
  }
  if (value(exists.get(), 0, 0) != "t") {
    std::string sql = std::string("BEGIN; ") + kSchemaLock + "; " + kSchema + "COMMIT;";
    PgResult r = simple(c, sql.c_str());
    if (!ok(r)) {
      auto e = pg_error(c, r, "schema");
      pq().finish(c);
      return e;
    }
  }
  if (auto st = prepare(c); !st) {
    pq().finish(c);
    return st.propagate();
  }
  std::lock_guard lock(s->mu_);
  s->open_ = 1;
  s->idle_.push_back(c);
  return s;
}

PostgresStore::~PostgresStore() {
  for (PGconn* c : idle_) pq().finish(c);
}

Result<PGconn*> PostgresStore::connect() const {
  // Defaults first: the DSN (expanded from dbname) overrides them. A short connect timeout
  // and a TCP user timeout bound how long a Check waits for a database that went away.
  const char* keys[] = {"connect_timeout", "tcp_user_timeout", "application_name", "dbname", nullptr};
  const char* vals[] = {"5", "10000", "gatehouse-fga", dsn_.c_str(), nullptr};
  PGconn* c = pq().connectdbParams(keys, vals, 1);
  if (!c) return fail(Errc::unavailable, "postgres connect: out of memory", "fga.store");
  if (pq().status(c) != CONNECTION_OK) {
    std::string msg = scrub(one_line(pq().errorMessage(c)), password_of(dsn_));
    pq().finish(c);
    return fail(Errc::unavailable, "postgres connect: " + msg, "fga.store");
  }
  pq().setNoticeProcessor(c, [](void*, const char*) {}, nullptr);  // "already exists, skipping"
  return c;
}

Result<PGconn*> PostgresStore::connect_prepared() const {
  GH_TRY(PGconn * c, connect());
  if (auto st = prepare(c); !st) {
    pq().finish(c);
    return st.propagate();
  }
  return c;
}

Status PostgresStore::prepare(PGconn* c) {
  for (const auto& st : statements()) {
    std::vector<Oid> types(static_cast<std::size_t>(st.params), kTextOid);
    PgResult r(pq().prepare(c, st.name, st.sql.c_str(), st.params, types.data()), pq().clear);
    if (!ok(r)) return pg_error(c, r, "prepare");
  }
  return {};
}

Result<PGconn*> PostgresStore::acquire() const {
  {
    std::unique_lock lock(mu_);
    freed_.wait(lock, [&] { return !idle_.empty() || open_ < kMaxConnections; });
    if (!idle_.empty()) {
      PGconn* c = idle_.back();
      idle_.pop_back();
      return c;
    }
    ++open_;
  }
  auto c = connect_prepared();
  if (!c) {
    std::lock_guard lock(mu_);
    --open_;
    freed_.notify_one();
  }
  return c;
}

void PostgresStore::release(PGconn* c) const {
  bool healthy = pq().status(c) == CONNECTION_OK && pq().transactionStatus(c) == PQTRANS_IDLE;
  std::vector<PGconn*> dropped;
  {
    std::lock_guard lock(mu_);
    if (healthy) {
      idle_.push_back(c);
    } else {
      // One broken connection usually means the server restarted or went away: the idle
      // ones are broken too, and keeping them would fail the next callers one by one.
      dropped.swap(idle_);
      dropped.push_back(c);
      open_ -= dropped.size();
    }
  }
  freed_.notify_all();
  for (PGconn* d : dropped) pq().finish(d);
}

Status PostgresStore::run(const std::function<Attempt(PGconn*)>& op) const {
  for (int attempt = 0;; ++attempt) {
    GH_TRY(PGconn * c, acquire());
    Attempt a = op(c);
    bool broken = pq().status(c) == CONNECTION_BAD;
    release(c);
    if (a.status.ok() || !broken || !a.retry_safe || attempt > 0) return a.status;
  }
}

Status PostgresStore::write(std::span<const Tuple> writes, std::span<const TupleKey> deletes) {
  GH_CHECK(check_unique(writes, deletes));
  // Contexts are serialised once, outside the retry loop.
  std::vector<std::string> contexts;
  contexts.reserve(writes.size());
  for (const auto& w : writes) contexts.push_back(w.context.empty() ? std::string() : boost::json::serialize(w.context));
  return run([&](PGconn* c) -> Attempt {
    PgResult begin = simple(c, "BEGIN");
    if (!ok(begin)) return {pg_error(c, begin, "begin")};
    auto rollback = [&](Unexpected e) -> Attempt {
      (void)simple(c, "ROLLBACK");
      return {std::move(e)};
    };
    for (const auto& d : deletes) {
      PgResult r = exec(c, "gh_fga_erase", {store_, d.object, d.relation, d.user}, true);
      if (!ok(r)) return rollback(pg_error(c, r, "delete"));
      if (std::string_view(pq().cmdTuples(r.get())) == "0")
        return rollback(fail(Errc::not_found, "cannot delete a tuple which does not exist: " + d.user + " " +
                                                  d.relation + " " + d.object));
    }
    for (std::size_t i = 0; i < writes.size(); ++i) {
      const auto& w = writes[i];
      PgResult r = exec(c, "gh_fga_insert",
                        {store_, object_type(w.key.object), w.key.object, w.key.relation, w.key.user, w.condition,
                         contexts[i]},
                        true);
      if (!ok(r) && sqlstate(r) == "23505")  // unique_violation
        return rollback(fail(Errc::conflict, "cannot write a tuple which already exists: " + w.key.user + " " +
                                                 w.key.relation + " " + w.key.object));
      if (!ok(r)) return rollback(pg_error(c, r, "insert"));
    }
    PgResult commit = simple(c, "COMMIT");
    if (!ok(commit)) return {pg_error(c, commit, "commit"), false};
    // COMMIT of an aborted transaction "succeeds" as ROLLBACK; we never get here aborted.
    return {};
  });
}

Status PostgresStore::for_each(std::string_view object, std::string_view relation, Users which,
                               const std::function<bool(const Tuple&)>& fn) const {
  // Rows are collected and the connection returned before calling back: the callback may
  // re-enter the store.
  std::vector<Tuple> found;
  GH_CHECK(run([&](PGconn* c) -> Attempt {
    PgResult r = exec(c, which == Users::usersets ? "gh_fga_usersets" : "gh_fga_by_relation",
                      {store_, object, relation}, true);
    if (!ok(r)) return {pg_error(c, r, "read")};
    found = rows(r);
    return {};
  }));
  for (const auto& t : found)
    if (!fn(t)) break;
  return {};
}

Status PostgresStore::for_each_by_user(std::string_view object_type, std::string_view relation,
                                       std::string_view user,
                                       const std::function<bool(const Tuple&)>& fn) const {
  std::vector<Tuple> found;
  GH_CHECK(run([&](PGconn* c) -> Attempt {
    PgResult r = exec(c, "gh_fga_by_user", {store_, object_type, relation, user}, true);
    if (!ok(r)) return {pg_error(c, r, "read")};
    found = rows(r);
    return {};
  }));
  for (const auto& t : found)
    if (!fn(t)) break;
  return {};
}

Result<std::optional<Tuple>> PostgresStore::find(const TupleKey& key) const {
  std::optional<Tuple> out;
  GH_CHECK(run([&](PGconn* c) -> Attempt {
    PgResult r = exec(c, "gh_fga_find", {store_, key.object, key.relation, key.user}, true);
    if (!ok(r)) return {pg_error(c, r, "read")};
    out.reset();
    if (pq().ntuples(r.get()) > 0) out = row_tuple(r.get(), 0);
    return {};
  }));
  return out;
}

Result<std::vector<Tuple>> PostgresStore::read(const TupleKey& f) const {
  // The filter picks among fixed SQL fragments; every value is a parameter.
  bool type_only = !f.object.empty() && f.object.back() == ':';
  std::string_view object = type_only ? std::string_view(f.object).substr(0, f.object.size() - 1) : f.object;
  std::string sql = std::string("SELECT ") + kColumns + " FROM fga_tuples WHERE store=$1";
  sql += type_only ? " AND ($2 = '' OR object_type=$2)" : " AND ($2 = '' OR object=$2)";
  sql += " AND ($3 = '' OR relation=$3) AND ($4 = '' OR user_id=$4) ORDER BY object, relation, user_id";
  std::vector<Tuple> out;
  GH_CHECK(run([&](PGconn* c) -> Attempt {
    PgResult r = exec(c, sql.c_str(), {store_, object, f.relation, f.user}, false);
    if (!ok(r)) return {pg_error(c, r, "read")};
    out = rows(r);
    return {};
  }));
  return out;
}

Result<std::vector<std::string>> PostgresStore::objects_of_type(std::string_view type) const {
  std::vector<std::string> out;
  GH_CHECK(run([&](PGconn* c) -> Attempt {
    PgResult r = exec(c, "gh_fga_objects", {store_, type}, true);
    if (!ok(r)) return {pg_error(c, r, "read")};
    out.clear();
    for (int i = 0, n = pq().ntuples(r.get()); i < n; ++i) out.push_back(value(r.get(), i, 0));
    return {};
  }));
  return out;
}

}  // namespace gatehouse::fga
