#include <benchmark/benchmark.h>

#include "gateway/session_codec.hpp"

namespace {
using namespace gatehouse::gateway;

SessionState state(int targets) {
  SessionState s;
  s.protocol_version = "2025-11-25";
  s.issued_at = 1'700'000'000;
  s.expires_at = 1'800'000'000;
  for (int i = 0; i < targets; ++i)
    s.targets.push_back({"target-" + std::to_string(i), "5f1c7a2e-9d4b-4c1e-8a77-0123456789ab",
                         "2025-11-25"});
  return s;
}

void BM_Seal(benchmark::State& st) {
  auto codec = SessionCodec::create("bench secret");
  auto s = state(static_cast<int>(st.range(0)));
  for (auto _ : st) benchmark::DoNotOptimize(codec.seal(s));
}
BENCHMARK(BM_Seal)->Arg(1)->Arg(3)->Arg(10);

void BM_Unseal(benchmark::State& st) {
  auto codec = SessionCodec::create("bench secret");
  auto id = codec.seal(state(static_cast<int>(st.range(0))));
  for (auto _ : st) benchmark::DoNotOptimize(codec.unseal(id, 1'700'000'001));
  st.counters["id_bytes"] = static_cast<double>(id.size());
}
BENCHMARK(BM_Unseal)->Arg(1)->Arg(3)->Arg(10);

void BM_UnsealTampered(benchmark::State& st) {
  auto codec = SessionCodec::create("bench secret");
  auto id = codec.seal(state(3));
  id[20] = id[20] == 'A' ? 'B' : 'A';
  for (auto _ : st) benchmark::DoNotOptimize(codec.unseal(id, 1'700'000'001));
}
BENCHMARK(BM_UnsealTampered);
}  // namespace
