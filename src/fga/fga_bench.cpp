// The embedded FGA engine under load: Check and ListObjects on small conformance-style models
// (memory and SQLite stores) and on a synthetic graph of about one million tuples (memory,
// optionally SQLite). Stores are built once, outside the timed loops. Not run in CI (built only).
//   build/src/fga/fga_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fga/cel_conditions.hpp"
#include "fga/dsl_parser.hpp"
#include "fga/engine.hpp"
#include "fga/memory_store.hpp"
#include "fga/sqlite_store.hpp"

namespace {

using namespace gatehouse::fga;

ModelPtr model_of(const char* dsl) {
  auto m = load_dsl(dsl);
  if (!m) std::abort();  // the models below are fixed; a parse error is a bug here
  return std::make_shared<const Model>(std::move(*m));
}

Tuple tuple(std::string user, std::string relation, std::string object) {
  return Tuple{TupleKey{std::move(object), std::move(relation), std::move(user)}, {}, {}};
}

// Writes in batches (one transaction each on SQLite).
void write_all(TupleStore& store, const std::vector<Tuple>& tuples) {
  constexpr size_t kBatch = 5000;
  for (size_t i = 0; i < tuples.size(); i += kBatch) {
    auto n = std::min(kBatch, tuples.size() - i);
    if (!store.write(std::span(tuples).subspan(i, n), {})) std::abort();
  }
}

std::unique_ptr<TupleStore> make_store(bool sqlite) {
  if (!sqlite) return std::make_unique<MemoryStore>();
  auto s = SqliteStore::open(":memory:", "bench");
  if (!s) std::abort();
  return std::move(*s);
}

// Time each call and report p50/p99 (µs) and calls per second as counters; the framework's
// own figure is the mean.
template <typename Fn>
void timed(benchmark::State& state, Fn&& fn) {
  std::vector<double> us;
  us.reserve(1 << 16);
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    auto t1 = std::chrono::steady_clock::now();
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<size_t>(q * us.size()))]; };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
  state.counters["calls_per_s"] = benchmark::Counter(static_cast<double>(us.size()), benchmark::Counter::kIsRate);
}

void check_expect(benchmark::State& state, const Engine& engine, const CheckRequest& req, bool want) {
  auto first = engine.check(req);
  if (!first || *first != want) {
    state.SkipWithError(first ? "unexpected check result" : first.error().message.c_str());
    return;
  }
  timed(state, [&] { benchmark::DoNotOptimize(engine.check(req)); });
}

// ---- (a) conformance-style models -------------------------------------------------------

constexpr const char* kSmallModel = R"(model
  schema 1.1
type user
type group
  relations
    define member: [user, group#member]
type folder
  relations
    define parent: [folder]
    define viewer: [user, group#member] or viewer from parent
type doc
  relations
    define parent: [folder]
    define owner: [user]
    define editor: [user] or owner
    define viewer: [user, user with office] or editor or viewer from parent
    define allowed: [user]
    define blocked: [user]
    define can_share: editor and allowed
    define can_read: viewer but not blocked
condition office(source_ip: ipaddress, cidr: string) {
  source_ip.in_cidr(cidr)
}
)";

// 1,000 docs in 100 folders under 10 roots, 200 users in 20 groups: a few thousand tuples.
struct Small {
  ModelPtr model = model_of(kSmallModel);
  std::unique_ptr<TupleStore> store;
  std::unique_ptr<Engine> engine;
  explicit Small(bool sqlite) : store(make_store(sqlite)) {
    std::vector<Tuple> t;
    auto user = [](int i) { return "user:u" + std::to_string(i); };
    for (int u = 0; u < 200; ++u) t.push_back(tuple(user(u), "member", "group:g" + std::to_string(u % 20)));
    for (int r = 0; r < 10; ++r) t.push_back(tuple("group:g" + std::to_string(r) + "#member", "viewer", "folder:root" + std::to_string(r)));
    for (int f = 0; f < 100; ++f) {
      t.push_back(tuple("folder:root" + std::to_string(f % 10), "parent", "folder:f" + std::to_string(f)));
    }
    for (int d = 0; d < 1000; ++d) {
      const std::string doc = "doc:d" + std::to_string(d);
      t.push_back(tuple("folder:f" + std::to_string(d % 100), "parent", doc));
      t.push_back(tuple(user(d % 200), "owner", doc));
      t.push_back(tuple(user((d + 1) % 200), "viewer", doc));
      t.push_back(tuple(user(d % 200), "allowed", doc));
      if (d % 2 == 0) t.push_back(tuple(user((d + 2) % 200), "blocked", doc));
    }
    Tuple cond = tuple("user:visitor", "viewer", "doc:d7");
    cond.condition = "office";
    cond.context["cidr"] = "10.0.0.0/8";
    t.push_back(cond);
    write_all(*store, t);
    engine = std::make_unique<Engine>(model, *store, cel_conditions());
  }
};

const Small& small(bool sqlite) {
  static const Small memory(false);
  if (!sqlite) return memory;
  static const Small db(true);
  return db;
}

CheckRequest req(std::string user, std::string relation, std::string object) {
  return CheckRequest{TupleKey{std::move(object), std::move(relation), std::move(user)}, {}};
}

// d=123: owner u123, viewer u124, allowed u123, in folder f23 (root3, group g3: u3, u23, ...).
void BM_Small_Check_Direct(benchmark::State& s) {
  check_expect(s, *small(s.range(0)).engine, req("user:u124", "viewer", "doc:d123"), true);
}
void BM_Small_Check_Computed(benchmark::State& s) {  // viewer <- editor <- owner
  check_expect(s, *small(s.range(0)).engine, req("user:u123", "viewer", "doc:d123"), true);
}
void BM_Small_Check_TTU_Depth2(benchmark::State& s) {  // doc -> folder -> root -> group member
  check_expect(s, *small(s.range(0)).engine, req("user:u43", "viewer", "doc:d123"), true);
}
void BM_Small_Check_Denied(benchmark::State& s) {  // every path explored
  check_expect(s, *small(s.range(0)).engine, req("user:u5", "viewer", "doc:d123"), false);
}
void BM_Small_Check_Intersection(benchmark::State& s) {
  check_expect(s, *small(s.range(0)).engine, req("user:u123", "can_share", "doc:d123"), true);
}
void BM_Small_Check_Exclusion(benchmark::State& s) {  // u123 views d122 directly; d122 blocks u124
  check_expect(s, *small(s.range(0)).engine, req("user:u123", "can_read", "doc:d122"), true);
}
void BM_Small_Check_Condition(benchmark::State& s) {
  CheckRequest r = req("user:visitor", "viewer", "doc:d7");
  r.query.context["source_ip"] = "10.1.2.3";
  check_expect(s, *small(s.range(0)).engine, r, true);
}
// ListObjects by reverse expansion (Engine::list_objects) or by checking every candidate
// (Engine::list_objects_scan, the path before reverse expansion and its fallback).
template <bool kScan>
void list_objects_bench(benchmark::State& s, const Engine& e, const std::string& type, const std::string& relation,
                        const std::string& user) {
  auto run = [&] { return kScan ? e.list_objects_scan(type, relation, user) : e.list_objects(type, relation, user); };
  auto first = run();
  if (!first) return s.SkipWithError(first.error().message.c_str());
  s.counters["objects"] = static_cast<double>(first->size());
  timed(s, [&] { benchmark::DoNotOptimize(run()); });
}

template <bool kScan>
void BM_Small_ListObjects(benchmark::State& s) {  // 1,000 candidate docs
  list_objects_bench<kScan>(s, *small(s.range(0)).engine, "doc", "viewer", "user:u43");
}
template <bool kScan>
void BM_Small_ListObjects_Exclusion(benchmark::State& s) {  // candidates from viewer, each checked
  list_objects_bench<kScan>(s, *small(s.range(0)).engine, "doc", "can_read", "user:u43");
}

// Arg 0: memory store, 1: SQLite (in-memory database).
BENCHMARK(BM_Small_Check_Direct)->Arg(0)->Arg(1);
BENCHMARK(BM_Small_Check_Computed)->Arg(0)->Arg(1);
BENCHMARK(BM_Small_Check_TTU_Depth2)->Arg(0)->Arg(1);
BENCHMARK(BM_Small_Check_Denied)->Arg(0)->Arg(1);
BENCHMARK(BM_Small_Check_Intersection)->Arg(0)->Arg(1);
BENCHMARK(BM_Small_Check_Exclusion)->Arg(0)->Arg(1);
BENCHMARK(BM_Small_Check_Condition)->Arg(0)->Arg(1);
BENCHMARK(BM_Small_ListObjects<false>)->Name("BM_Small_ListObjects")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Small_ListObjects<true>)->Name("BM_Small_ListObjects_Scan")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Small_ListObjects_Exclusion<false>)->Name("BM_Small_ListObjects_Exclusion")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Small_ListObjects_Exclusion<true>)->Name("BM_Small_ListObjects_Exclusion_Scan")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// ---- (b) one million tuples -------------------------------------------------------------

constexpr const char* kLargeModel = R"(model
  schema 1.1
type user
type group
  relations
    define member: [user, group#member]
type folder
  relations
    define parent: [folder]
    define viewer: [user, group#member] or viewer from parent
type doc
  relations
    define parent: [folder]
    define viewer: [user, group#member] or viewer from parent
)";

// 10,000 users, each in 2 of 1,000 groups; groups 10..999 nest into group g/10 (members of
// g are members of g/10); 100 root folders (viewer: group r), 1,000 mid folders, 10,000 leaf
// folders; 100,000 docs in leaf folders, each with 8 user viewers and one group viewer.
// Total: 20,000 + 990 + 1 (user:deep) + 100 + 11,000 + 100,000 * 10 = 1,032,091 tuples.
struct Large {
  ModelPtr model = model_of(kLargeModel);
  std::unique_ptr<TupleStore> store;
  std::unique_ptr<Engine> engine;
  size_t tuples = 0;
  double build_s = 0;  // generating and writing the tuples
  explicit Large(bool sqlite) : store(make_store(sqlite)) {
    const auto t0 = std::chrono::steady_clock::now();
    uint64_t seed = 42;
    auto rnd = [&](uint64_t n) {  // splitmix64: fixed, so runs are comparable
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      return (z ^ (z >> 31)) % n;
    };
    auto u = [](uint64_t i) { return "user:u" + std::to_string(i); };
    auto g = [](uint64_t i) { return "group:g" + std::to_string(i); };
    std::vector<Tuple> t;
    t.reserve(1'040'000);
    for (uint64_t i = 0; i < 10'000; ++i) {
      uint64_t a = rnd(1000), b = (a + 1 + rnd(999)) % 1000;
      t.push_back(tuple(u(i), "member", g(a)));
      t.push_back(tuple(u(i), "member", g(b)));
    }
    for (uint64_t i = 10; i < 1000; ++i) t.push_back(tuple(g(i) + "#member", "member", g(i / 10)));
    // user:deep reaches docs only through group g950 -> g95 -> g9 -> root folder 9.
    t.push_back(tuple("user:deep", "member", g(950)));
    for (uint64_t r = 0; r < 100; ++r) t.push_back(tuple(g(r) + "#member", "viewer", "folder:r" + std::to_string(r)));
    for (uint64_t m = 0; m < 1000; ++m) t.push_back(tuple("folder:r" + std::to_string(m % 100), "parent", "folder:m" + std::to_string(m)));
    for (uint64_t l = 0; l < 10'000; ++l) t.push_back(tuple("folder:m" + std::to_string(l % 1000), "parent", "folder:l" + std::to_string(l)));
    for (uint64_t d = 0; d < 100'000; ++d) {
      const std::string doc = "doc:d" + std::to_string(d);
      t.push_back(tuple("folder:l" + std::to_string(d % 10'000), "parent", doc));
      uint64_t first = rnd(10'000);
      for (uint64_t k = 0; k < 8; ++k) t.push_back(tuple(u((first + k * 1237) % 10'000), "viewer", doc));
      t.push_back(tuple(g(100 + rnd(900)) + "#member", "viewer", doc));
    }
    tuples = t.size();
    write_all(*store, t);
    build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    engine = std::make_unique<Engine>(model, *store, cel_conditions());
  }
};

const Large& large(bool sqlite) {
  static const Large memory(false);
  if (!sqlite) return memory;
  static const Large db(true);
  return db;
}

// doc:d9 is in leaf l9 -> mid m9 -> root r9 (viewer: group g9, which nests g95 -> g950).
void BM_Large_Check_Direct(benchmark::State& s) {
  const auto& l = large(s.range(0));
  s.counters["tuples"] = static_cast<double>(l.tuples);
  s.counters["build_s"] = l.build_s;
  // The first of d0's 8 direct viewers, found by reading them back.
  std::string user;
  (void)l.store->for_each("doc:d0", "viewer", TupleStore::Users::all, [&](const Tuple& t) {
    if (t.key.user.find('#') == std::string::npos) user = t.key.user;
    return user.empty();
  });
  check_expect(s, *l.engine, req(user, "viewer", "doc:d0"), true);
}
void BM_Large_Check_Depth3_Allowed(benchmark::State& s) {  // doc -> leaf -> mid -> root, nested groups
  check_expect(s, *large(s.range(0)).engine, req("user:deep", "viewer", "doc:d9"), true);
}
void BM_Large_Check_Depth3_Denied(benchmark::State& s) {  // same doc, every path explored
  check_expect(s, *large(s.range(0)).engine, req("user:deep", "viewer", "doc:d8"), false);
}
template <bool kScan>
void BM_Large_ListObjects_Folders(benchmark::State& s) {  // 11,100 candidate folders
  list_objects_bench<kScan>(s, *large(s.range(0)).engine, "folder", "viewer", "user:deep");
}
template <bool kScan>
void BM_Large_ListObjects_Docs(benchmark::State& s) {  // 100,000 candidate docs
  list_objects_bench<kScan>(s, *large(s.range(0)).engine, "doc", "viewer", "user:deep");
}
template <bool kScan>
void BM_Large_ListObjects_Docs_Direct(benchmark::State& s) {  // a user with 8 direct docs and 2 groups
  list_objects_bench<kScan>(s, *large(s.range(0)).engine, "doc", "viewer", "user:u4321");
}

BENCHMARK(BM_Large_Check_Direct)->Arg(0);
BENCHMARK(BM_Large_Check_Depth3_Allowed)->Arg(0);
BENCHMARK(BM_Large_Check_Depth3_Denied)->Arg(0);
BENCHMARK(BM_Large_ListObjects_Folders<false>)->Name("BM_Large_ListObjects_Folders")->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Large_ListObjects_Docs<false>)->Name("BM_Large_ListObjects_Docs")->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Large_ListObjects_Docs_Direct<false>)->Name("BM_Large_ListObjects_Docs_Direct")->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Large_ListObjects_Folders<true>)->Name("BM_Large_ListObjects_Folders_Scan")->Arg(0)->Unit(benchmark::kMillisecond)->Iterations(10);
BENCHMARK(BM_Large_ListObjects_Docs<true>)->Name("BM_Large_ListObjects_Docs_Scan")->Arg(0)->Unit(benchmark::kMillisecond)->Iterations(3);
// The same graph on SQLite: filter with --benchmark_filter=Large.*/1 (building it takes a while).
BENCHMARK(BM_Large_Check_Direct)->Arg(1);
BENCHMARK(BM_Large_Check_Depth3_Allowed)->Arg(1);
BENCHMARK(BM_Large_Check_Depth3_Denied)->Arg(1);
BENCHMARK(BM_Large_ListObjects_Folders<false>)->Name("BM_Large_ListObjects_Folders")->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Large_ListObjects_Docs<false>)->Name("BM_Large_ListObjects_Docs")->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Large_ListObjects_Docs_Direct<false>)->Name("BM_Large_ListObjects_Docs_Direct")->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
