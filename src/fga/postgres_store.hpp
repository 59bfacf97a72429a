// A TupleStore on PostgreSQL (libpq, dlopened when the first store opens): for gateways that
// share tuples across processes and hosts. Several OpenFGA stores share one database (rows keyed by store id); a small pool of
// connections, each with its statements prepared, serves the gateway's threads.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fga/store.hpp"

struct pg_conn;

namespace gatehouse::fga {

class PostgresStore final : public TupleStore {
 public:
  // Connects once (so a wrong DSN or a database that is down fails here) and creates the
  // schema when missing. Errors never quote the DSN: it may carry a password.
  static Result<std::unique_ptr<PostgresStore>> open(const std::string& dsn, std::string store_id);
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  // TupleStore
  Status write(std::span<const Tuple> writes, std::span<const TupleKey> deletes) override;
  Status for_each(std::string_view object, std::string_view relation, Users which,
                  const std::function<bool(const Tuple&)>& fn) const override;
  Result<std::optional<Tuple>> find(const TupleKey& key) const override;
  Result<std::vector<Tuple>> read(const TupleKey& filter) const override;
  Result<std::vector<std::string>> objects_of_type(std::string_view type) const override;
  Status for_each_by_user(std::string_view object_type, std::string_view relation, std::string_view user,
                          const std::function<bool(const Tuple&)>& fn) const override;

  // Connections open at most at once; more callers wait for one to come back.
  static constexpr std::size_t kMaxConnections = 8;

 private:
  PostgresStore(std::string dsn, std::string store_id) : dsn_(std::move(dsn)), store_(std::move(store_id)) {}

  // An operation on one connection. `retry_safe` tells whether a broken connection may be
  // replaced and the operation run again (false once a COMMIT may have reached the server).
  struct Attempt {
    Status status;
    bool retry_safe = true;
  };
  Status run(const std::function<Attempt(pg_conn*)>& op) const;

  Result<pg_conn*> connect() const;           // a session, nothing prepared
  Result<pg_conn*> connect_prepared() const;  // a session ready for the statements below
  static Status prepare(pg_conn* c);
  Result<pg_conn*> acquire() const;
  void release(pg_conn* c) const;

  std::string dsn_;
  std::string store_;
  mutable std::mutex mu_;
  mutable std::condition_variable freed_;
  mutable std::vector<pg_conn*> idle_;
  mutable std::size_t open_ = 0;
};

namespace detail {
// Loads the library `soname` as the store loads libpq.so.5 (dlopen on first open, never
// linked), then unloads it: tests see the error a host without libpq5 gets.
Status probe_libpq(const char* soname);
}  // namespace detail

}  // namespace gatehouse::fga
