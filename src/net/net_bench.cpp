// Loopback round trips through HttpServer (one loop thread, trivial handler) driven by
// HttpClient with N concurrent keep-alive connections on a second thread; reports req/s
// and p50/p99 latency. Also the SSE parser's throughput.
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <algorithm>
#include <chrono>
#include <vector>

#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/sse.hpp"

namespace gatehouse::net {
namespace {

using Clock = std::chrono::steady_clock;

asio::awaitable<void> trivial(Exchange& ex) {
  Response res{http::status::ok, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = R"({"jsonrpc":"2.0","id":1,"result":{}})";
  co_await ex.respond(std::move(res));
}

void BM_RoundTrip(benchmark::State& state) {
  const int connections = static_cast<int>(state.range(0));
  HttpServer::Options options;
  auto server = HttpServer::create(options, trivial);
  if (!server.ok()) {
    state.SkipWithError("cannot listen");
    return;
  }
  (*server)->start();
  const Endpoint endpoint{"127.0.0.1", (*server)->port()};

  asio::io_context io(1);
  HttpClient client(io.get_executor());
  std::vector<double> latencies_us;
  std::size_t failures = 0;
  constexpr int kPerIteration = 256;  // requests per benchmark iteration, spread over connections

  for (auto _ : state) {
    int remaining = kPerIteration;
    for (int c = 0; c < connections; ++c) {
      asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        while (remaining > 0) {
          --remaining;
          Request req{http::verb::post, "/mcp", 11};
          req.set(http::field::content_type, "application/json");
          req.body() = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
          const auto t0 = Clock::now();
          auto res = co_await client.request(endpoint, std::move(req));
          latencies_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
          if (!res.ok()) ++failures;
        }
      }, asio::detached);
    }
    io.restart();
    io.run();
  }
  (*server)->stop();

  std::sort(latencies_us.begin(), latencies_us.end());
  auto pct = [&](double p) {
    return latencies_us.empty() ? 0.0 : latencies_us[static_cast<std::size_t>(p * (latencies_us.size() - 1))];
  };
  state.SetItemsProcessed(static_cast<std::int64_t>(latencies_us.size()));
  state.counters["req_per_s"] = benchmark::Counter(static_cast<double>(latencies_us.size()), benchmark::Counter::kIsRate);
  state.counters["p50_us"] = pct(0.50);
  state.counters["p99_us"] = pct(0.99);
  state.counters["failures"] = static_cast<double>(failures);
  state.counters["conns_opened"] = static_cast<double>(client.connections_opened());
}
BENCHMARK(BM_RoundTrip)->Arg(1)->Arg(4)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_SseParse(benchmark::State& state) {
  std::string wire;
  for (int i = 0; i < 100; ++i)
    wire += format_sse(SseEvent{"", R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":)" +
                                        std::to_string(i) + "}}",
                                "s-" + std::to_string(i), std::nullopt});
  std::vector<SseEvent> events;
  for (auto _ : state) {
    SseParser parser;
    events.clear();
    // Arrives in 1 KiB pieces, as from a socket.
    for (std::size_t pos = 0; pos < wire.size(); pos += 1024)
      benchmark::DoNotOptimize(parser.feed(std::string_view(wire).substr(pos, 1024), events).ok());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(BM_SseParse);

}  // namespace
}  // namespace gatehouse::net
