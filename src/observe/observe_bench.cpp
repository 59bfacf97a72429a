// What observability costs per request on the data plane: the metric increments, a span
// started and ended (sampled, into the queue), the traceparent parsed, and one access line
// formatted with the scrubber.
#include <benchmark/benchmark.h>

#include "observe/access_log.hpp"
#include "observe/gateway_metrics.hpp"
#include "observe/span.hpp"

namespace gatehouse::observe {
namespace {

void BM_CounterInc(benchmark::State& state) {
  Registry reg;
  auto m = GatewayMetrics::declare(reg);
  auto& c = m.http_requests->with({"/mcp", "POST", "200"});
  for (auto _ : state) c.inc();
}
BENCHMARK(BM_CounterInc);

void BM_CounterLookupAndInc(benchmark::State& state) {
  Registry reg;
  auto m = GatewayMetrics::declare(reg);
  for (auto _ : state) m.mcp_calls->with({"weather", "tools/call", "get_forecast", "ok"}).inc();
}
BENCHMARK(BM_CounterLookupAndInc);

void BM_HistogramObserve(benchmark::State& state) {
  Registry reg;
  auto m = GatewayMetrics::declare(reg);
  auto& h = m.upstream_latency->with({"weather"});
  double v = 0.003;
  for (auto _ : state) h.observe(v);
}
BENCHMARK(BM_HistogramObserve);

void BM_ParseTraceparent(benchmark::State& state) {
  for (auto _ : state) {
    auto tp = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    benchmark::DoNotOptimize(tp);
  }
}
BENCHMARK(BM_ParseTraceparent);

void BM_ServerSpanStartEnd(benchmark::State& state) {
  Tracer tracer({.queue_capacity = 1 << 20, .batch_size = 1 << 20});
  std::size_t n = 0;
  for (auto _ : state) {
    auto span = tracer.start_server_span("POST /mcp", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "");
    span.set("mcp.method.name", "tools/call");
    span.set("http.response.status_code", 200);
    tracer.end(std::move(span));
    if (++n % 100000 == 0) tracer.take(1 << 20);  // keep the queue from filling
  }
}
BENCHMARK(BM_ServerSpanStartEnd);

void BM_AccessLineFormat(benchmark::State& state) {
  AccessLog log(nullptr);
  AccessRecord r;
  r.route = "/mcp";
  r.method = "POST";
  r.mcp_method = "tools/call";
  r.target = "weather";
  r.tool = "get_forecast";
  r.session = "0123456789abcdef0123456789abcdef";
  r.principal = "alice@example.com";
  r.decision = "allow";
  r.rule = "cel:allow-weather";
  r.status = 200;
  r.latency_ms = 1.234;
  r.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  r.remote = "127.0.0.1:50000";
  r.headers = {{"User-Agent", "node"}, {"Authorization", "Bearer x"}};
  for (auto _ : state) benchmark::DoNotOptimize(log.format(r));
}
BENCHMARK(BM_AccessLineFormat);

void BM_Render(benchmark::State& state) {
  Registry reg;
  auto m = GatewayMetrics::declare(reg);
  for (int t = 0; t < 20; ++t) {
    for (const char* tool : {"a", "b", "c", "d", "e"}) m.mcp_calls->with({"t" + std::to_string(t), "tools/call", tool, "ok"}).inc();
    m.upstream_latency->with({"t" + std::to_string(t)}).observe(0.01);
  }
  for (auto _ : state) benchmark::DoNotOptimize(reg.render());
}
BENCHMARK(BM_Render);

}  // namespace
}  // namespace gatehouse::observe
