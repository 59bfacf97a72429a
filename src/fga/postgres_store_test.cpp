// PostgresStore against a real server: run through tests/fga/with_postgres.mjs, which starts
// one on loopback and sets GATEHOUSE_PG_DSN (skipped otherwise). Only the DSN-parsing and
// connection-failure tests run without a server.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <unistd.h>

#include "fga/postgres_store.hpp"

#include <libpq-fe.h>

namespace gatehouse::fga {
namespace {

Tuple T(std::string user, std::string relation, std::string object) {
  return Tuple{{std::move(object), std::move(relation), std::move(user)}, {}, {}};
}

std::string unique_store(const std::string& what) {
  static int n = 0;
  return "pg-test-" + what + "-" + std::to_string(getpid()) + "-" + std::to_string(++n);
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dsn = std::getenv("GATEHOUSE_PG_DSN");
    if (!dsn) GTEST_SKIP() << "GATEHOUSE_PG_DSN not set";
    dsn_ = dsn;
  }
  std::unique_ptr<PostgresStore> open(const std::string& id) {
    auto s = PostgresStore::open(dsn_, id);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::string dsn_;
};

TEST_F(PostgresStoreTest, HostileValuesAreData) {
  auto s = open(unique_store("hostile"));
  ASSERT_TRUE(s);
  // Quotes, SQL, unicode and a long id all round-trip byte for byte.
  std::vector<Tuple> ts{T("user:o'brien\"; DROP TABLE fga_tuples; --", "viewer", "doc:1"),
                        T("user:\xc3\xa9l\xc3\xa8ve-\xe2\x9c\x93", "viewer", "doc:\xf0\x9f\x93\x84"),
                        T("user:" + std::string(200, 'x'), "viewer", "doc:" + std::string(250, 'y')),
                        T("user:%", "viewer", "doc:_")};
  ASSERT_TRUE(s->write(ts, {}).ok());
  for (const auto& t : ts) {
    auto f = s->find(t.key);
    ASSERT_TRUE(f.ok() && f->has_value()) << t.key.user;
    EXPECT_EQ((*f)->key, t.key);
  }
  // LIKE-style characters match only themselves.
  EXPECT_FALSE(s->find({"doc:1", "viewer", "user:%"})->has_value());
  EXPECT_EQ(s->read({"", "", ""})->size(), 4u);
  // The table survived the "injection".
  EXPECT_EQ(*s->objects_of_type("doc"),
            (std::vector<std::string>{"doc:1", "doc:_", "doc:" + std::string(250, 'y'), "doc:\xf0\x9f\x93\x84"}));
}

TEST_F(PostgresStoreTest, NulAndBadUtf8AreRefusedNotTruncated) {
  auto s = open(unique_store("nul"));
  ASSERT_TRUE(s);
  // A C-string API would store "doc:1" here; binary parameters make the server refuse it.
  Tuple nul = T("user:a", "viewer", std::string("doc:1\0evil", 10));
  auto w = s->write(std::span<const Tuple>(&nul, 1), {});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::invalid_params) << w.error().message;
  EXPECT_FALSE(s->find({"doc:1", "viewer", "user:a"})->has_value());
  Tuple bad = T("user:\xff\xfe", "viewer", "doc:2");
  auto b = s->write(std::span<const Tuple>(&bad, 1), {});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Errc::invalid_params);
  // The connection is still good after the refused batches.
  Tuple fine = T("user:a", "viewer", "doc:3");
  EXPECT_TRUE(s->write(std::span<const Tuple>(&fine, 1), {}).ok());
}

TEST_F(PostgresStoreTest, KeyTooLongForTheIndexIsRefused) {
  auto s = open(unique_store("long"));
  ASSERT_TRUE(s);
  // Incompressible, so the btree key really exceeds its ~2.7 kB limit.
  std::string id;
  unsigned x = 12345;
  for (int i = 0; i < 10000; ++i) {
    x = x * 1103515245u + 12345u;
    id += static_cast<char>('a' + (x >> 16) % 26);
  }
  Tuple huge = T("user:a", "viewer", "doc:" + id);
  Tuple fine = T("user:a", "viewer", "doc:ok");
  std::vector<Tuple> batch{fine, huge};
  auto w = s->write(batch, {});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::invalid_params) << w.error().message;
  EXPECT_FALSE(s->find(fine.key)->has_value());  // the whole batch rolled back
  auto f = s->find(huge.key);                    // reading such a key is just "absent"
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_FALSE(f->has_value());
}

TEST_F(PostgresStoreTest, StoresShareADatabaseButNotTuples) {
  std::string a_id = unique_store("a"), b_id = unique_store("b");
  auto a = open(a_id);
  auto b = open(b_id);
  ASSERT_TRUE(a && b);
  Tuple t = T("user:a", "viewer", "doc:1");
  ASSERT_TRUE(a->write(std::span<const Tuple>(&t, 1), {}).ok());
  EXPECT_TRUE(a->find(t.key)->has_value());
  EXPECT_FALSE(b->find(t.key)->has_value());
  EXPECT_TRUE(b->write(std::span<const Tuple>(&t, 1), {}).ok());  // no conflict across stores
  a.reset();
  auto again = open(a_id);  // persisted
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->find(t.key)->has_value());
}

TEST_F(PostgresStoreTest, ConcurrentOpenAndUse) {
  // Several "gateways" opening at once (schema creation races) and writing from threads.
  std::string id = unique_store("threads");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&, i] {
      auto s = PostgresStore::open(dsn_, id);
      if (!s.ok()) {
        ++failures;
        return;
      }
      for (int j = 0; j < 20; ++j) {
        Tuple t = T("user:" + std::to_string(i), "viewer", "doc:" + std::to_string(j));
        if (!(*s)->write(std::span<const Tuple>(&t, 1), {}).ok()) ++failures;
        if (!(*s)->find(t.key).ok()) ++failures;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto s = open(id);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->read({})->size(), 120u);
}

TEST_F(PostgresStoreTest, GatewaysStartingAtOnceOnAnEmptyDatabaseAllGetTheSchema) {
  // A database of its own, so no earlier test has created the table yet.
  std::string db = "gh_race_" + std::to_string(getpid());
  PGconn* admin = PQconnectdb(dsn_.c_str());
  ASSERT_EQ(PQstatus(admin), CONNECTION_OK) << PQerrorMessage(admin);
  PQclear(PQexec(admin, ("DROP DATABASE IF EXISTS " + db).c_str()));
  PGresult* r = PQexec(admin, ("CREATE DATABASE " + db).c_str());
  ASSERT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(admin);
  PQclear(r);
  std::string dsn = dsn_ + (dsn_.find('?') == std::string::npos ? "?" : "&") + "dbname=" + db;
  {
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
      threads.emplace_back([&, i] {
        auto s = PostgresStore::open(dsn, "race");
        if (!s.ok()) {
          ADD_FAILURE() << s.error().message;
          ++failures;
          return;
        }
        Tuple t = T("user:" + std::to_string(i), "viewer", "doc:1");
        if (!(*s)->write(std::span<const Tuple>(&t, 1), {}).ok()) ++failures;
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    auto s = PostgresStore::open(dsn, "race");
    ASSERT_TRUE(s.ok());
    EXPECT_EQ((*s)->read({})->size(), 8u);
  }
  PQclear(PQexec(admin, ("DROP DATABASE " + db + " WITH (FORCE)").c_str()));
  PQfinish(admin);
}

TEST_F(PostgresStoreTest, PoolServesManyThreadsOnOneStore) {
  auto s = open(unique_store("pool"));
  ASSERT_TRUE(s);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < PostgresStore::kMaxConnections * 2; ++i)
    threads.emplace_back([&, i] {
      for (int j = 0; j < 10; ++j) {
        Tuple t = T("user:" + std::to_string(i), "viewer", "doc:" + std::to_string(j));
        if (!s->write(std::span<const Tuple>(&t, 1), {}).ok()) ++failures;
        if (!s->for_each(t.key.object, "viewer", TupleStore::Users::all, [](const Tuple&) { return true; }).ok())
          ++failures;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(s->read({})->size(), PostgresStore::kMaxConnections * 2 * 10);
}

TEST_F(PostgresStoreTest, ReconnectsOnceAfterTheServerDropsItsConnections) {
  auto s = open(unique_store("reconnect"));
  ASSERT_TRUE(s);
  Tuple t = T("user:a", "viewer", "doc:1");
  ASSERT_TRUE(s->write(std::span<const Tuple>(&t, 1), {}).ok());
  // Terminating every gatehouse session is what a server restart or failover looks like to
  // the pool: each idle connection is broken without knowing it yet.
  PGconn* admin = PQconnectdb(dsn_.c_str());
  ASSERT_EQ(PQstatus(admin), CONNECTION_OK) << PQerrorMessage(admin);
  PGresult* r = PQexec(admin,
                       "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE application_name = 'gatehouse-fga' AND pid <> pg_backend_pid()");
  ASSERT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << PQerrorMessage(admin);
  EXPECT_GE(std::atoi(PQgetvalue(r, 0, 0)), 1);
  PQclear(r);
  PQfinish(admin);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // termination is asynchronous
  auto f = s->find(t.key);
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_TRUE(f->has_value());
  Tuple u = T("user:b", "viewer", "doc:1");
  EXPECT_TRUE(s->write(std::span<const Tuple>(&u, 1), {}).ok());
}

TEST(PostgresStoreOpen, DownDatabaseIsUnavailableAndPasswordNeverShown) {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  auto s = PostgresStore::open("postgresql://gh:s3cr3t-pw@127.0.0.1:1/x?connect_timeout=2", "a");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::unavailable);
  EXPECT_EQ(s.error().message.find("s3cr3t-pw"), std::string::npos) << s.error().message;
}

TEST(PostgresStoreOpen, MalformedDsnIsRefusedWithoutQuotingIt) {
  for (const char* dsn : {"postgresql://gh:s3cr3t-pw@[::1/x", "host=a password=s3cr3t-pw bogus", "postgresql://gh:s3cr3t-pw@h:notaport/x"}) {
    auto s = PostgresStore::open(dsn, "a");
    ASSERT_FALSE(s.ok()) << dsn;
    EXPECT_EQ(s.error().message.find("s3cr3t-pw"), std::string::npos) << s.error().message;
  }
}

// libpq is dlopened, not linked: a host without it learns which package to install.
TEST(PostgresStoreOpen, MissingLibpqNamesThePackage) {
  auto st = detail::probe_libpq("libgatehouse-no-such-libpq.so.5");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::invalid_config);
  EXPECT_EQ(st.error().reason, "fga.store");
  EXPECT_NE(st.error().message.find("PostgreSQL store needs libgatehouse-no-such-libpq.so.5 (Debian: libpq5): "),
            std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find("cannot open shared object file"), std::string::npos) << st.error().message;
  // A library that loads but is not libpq is refused by its first missing function.
  auto other = detail::probe_libpq("libm.so.6");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("it has no PQ"), std::string::npos) << other.error().message;
  // The real one loads.
  auto real = detail::probe_libpq("libpq.so.5");
  EXPECT_TRUE(real.ok()) << real.error().message;
}

}  // namespace
}  // namespace gatehouse::fga
