// The fga stage's per-call cost on the embedded engine (memory store): a decision answered from
// the cache versus one the engine computes (ttl 0), for an allowed and a denied tuple. Each
// iteration is one stage.apply() of a tools/call, inside one coroutine (no spawn per call).
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "auth/identity.hpp"
#include "authz/fga_stage.hpp"
#include "authz/fga_stage_testing.hpp"
#include "config/loader.hpp"

namespace gatehouse::authz {
namespace {

constexpr const char* kModel = R"(model
  schema 1.1

type user

type role
  relations
    define member: [user]

type team
  relations
    define member: [user]

type server
  relations
    define owner: [team]
    define caller: [role#member] or member from owner

type tool
  relations
    define server: [server]
    define can_call: caller from server
)";

constexpr const char* kTuples = R"(
- { user: "team:payments", relation: owner, object: "server:bank" }
- { user: "user:alice", relation: member, object: "team:payments" }
- { user: "server:bank", relation: server, object: "tool:bank/transfer" }
- { user: "role:oncall#member", relation: caller, object: "server:bank" }
)";

std::unique_ptr<gateway::PolicyStage> make_stage(const std::string& ttl) {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("gatehouse-fga-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::ofstream(d / "model.fga") << kModel;
    std::ofstream(d / "tuples.yaml") << kTuples;
    return d;
  }();
  const std::string yaml = testing::fga_route_config(dir, ttl);
  auto config = config::load_string(yaml, "bench.yaml");
  if (!config) std::abort();
  auto stage = make_fga_stage(*config, nullptr);
  if (!stage || !*stage) std::abort();
  return std::move(*stage);
}

void run_calls(benchmark::State& state, const std::string& ttl, const std::string& subject) {
  auto stage = make_stage(ttl);
  testing::ToolCall call(subject, "transfer");
  auto& request = call.request;
  boost::asio::io_context io;
  std::string decision;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        for (auto _ : state) {
          auto d = co_await stage->apply(request);
          benchmark::DoNotOptimize(d);
        }
        decision = request.decision;
      },
      boost::asio::detached);
  io.run();
  state.SetLabel(decision);
  if (auto s = fga_cache_stats(*stage)) {
    state.counters["hits"] = static_cast<double>(s->hits);
    state.counters["misses"] = static_cast<double>(s->misses);
  }
}

void BM_FgaStageAllowHit(benchmark::State& s) { run_calls(s, "10s", "alice"); }
void BM_FgaStageAllowMiss(benchmark::State& s) { run_calls(s, "0", "alice"); }
void BM_FgaStageDenyHit(benchmark::State& s) { run_calls(s, "10s", "eve"); }
void BM_FgaStageDenyMiss(benchmark::State& s) { run_calls(s, "0", "eve"); }
BENCHMARK(BM_FgaStageAllowHit);
BENCHMARK(BM_FgaStageAllowMiss);
BENCHMARK(BM_FgaStageDenyHit);
BENCHMARK(BM_FgaStageDenyMiss);

}  // namespace
}  // namespace gatehouse::authz
