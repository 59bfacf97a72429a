// gatehouse-loadgen: drives an MCP endpoint (either protocol era, http or https) with N
// keep-alive connections (or one connection per request), closed or open loop, or holds
// many idle sessions, and reports throughput, latency percentiles and errors.
// One thread, coroutines: the generator itself stays cheap next to the system under test.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/loadgen/connection.hpp"
#include "bench/loadgen/mcp_request.hpp"
#include "bench/loadgen/options.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;
using Endpoints = asio::ip::tcp::resolver::results_type;
using namespace gatehouse::bench;

namespace {

constexpr auto kTuple = asio::as_tuple(use_awaitable);

struct Totals {
  std::vector<std::int64_t> latencies_ns;
  std::uint64_t errors = 0;
  std::uint64_t connect_errors = 0;
  std::uint64_t connections_opened = 0;
  std::uint64_t sse_responses = 0;    // answers that came as text/event-stream
  std::uint64_t progress_events = 0;  // notifications/progress seen in them
  std::uint64_t mix_done[3] = {0, 0, 0};  // --mix: answered calls, lists, churned sessions (MixKind order)
  std::string first_error;

  void error(const std::string& what) {
    ++errors;
    if (first_error.empty()) first_error = what;
  }
};

struct Shared {
  const LoadOptions& opts;
  Totals& totals;
  Endpoints endpoints;
  asio::ssl::context* tls;
};

void count_stream(const Response& res, Totals& t) {
  if (res[http::field::content_type].find("text/event-stream") == std::string_view::npos) return;
  ++t.sse_responses;
  const auto& b = res.body();
  for (auto at = b.find("notifications/progress"); at != std::string::npos; at = b.find("notifications/progress", at + 1))
    ++t.progress_events;
}

awaitable<bool> open_connection(Shared& s, Connection& conn) {
  ++s.totals.connections_opened;
  bool ok = co_await conn.open(s.endpoints, s.opts.host);
  if (ok) co_return true;
  ++s.totals.connect_errors;
  co_return false;
}

// Sends one request; with --new-connection on a connection of its own.
awaitable<bool> send(Shared& s, Connection& conn, Request& req, Response& res) {
  bool ok = true;
  if (s.opts.new_connection || !conn.is_open()) ok = co_await open_connection(s, conn);
  if (ok) ok = co_await conn.exchange(req, res);
  if (s.opts.new_connection) conn.close();
  co_return ok;
}

// Legacy era: initialize + notifications/initialized; the session id, or nullopt.
awaitable<std::optional<std::string>> initialize(Shared& s, Connection& conn) {
  Response res;
  auto init = make_request(
      s.opts,
      R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":")" + std::string(kLegacyVersion) +
          R"(","capabilities":{},"clientInfo":{"name":"gatehouse-loadgen","version":"1"}}})",
      "", "initialize");
  bool ok = co_await send(s, conn, init, res);
  if (!ok || !is_success(res)) {
    s.totals.error("initialize failed: HTTP " + std::to_string(res.result_int()) + " " + res.body().substr(0, 200));
    co_return std::nullopt;
  }
  std::string session(res["Mcp-Session-Id"]);
  auto note = make_request(s.opts, R"({"jsonrpc":"2.0","method":"notifications/initialized"})", session,
                           "notifications/initialized");
  ok = co_await send(s, conn, note, res);
  if (!ok) {
    s.totals.error("notifications/initialized failed");
    co_return std::nullopt;
  }
  co_return session;
}

// --mix churn: a new session opened and closed on this connection (the session-table churn a
// soak must cover). false: it failed (the error is counted).
awaitable<bool> churn(Shared& s, Connection& conn, Response& res) {
  auto id = co_await initialize(s, conn);
  if (!id) co_return false;
  auto del = make_delete(s.opts, *id);
  bool ok = co_await send(s, conn, del, res);
  if (!ok || !is_deleted(res)) {
    s.totals.error("DELETE failed: HTTP " + std::to_string(res.result_int()));
    co_return false;
  }
  co_return true;
}

struct Worker {
  Shared& s;
  Clock::time_point start, warm_end, end;
  int index;

  awaitable<void> run() {
    const auto& opts = s.opts;
    // (co_await kept out of constructor arguments and conditions' operands: GCC 12 miscompiles some.)
    auto ex = co_await asio::this_coro::executor;
    Connection conn(ex, s.tls);
    if (!opts.new_connection) {
      bool ok = co_await open_connection(s, conn);
      if (!ok) co_return;
    }
    std::string session;
    if (opts.era == Era::legacy) {
      auto id = co_await initialize(s, conn);
      if (!id) co_return;
      session = std::move(*id);
    }

    const bool open_loop = opts.rate > 0;
    const auto interval = open_loop ? std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(opts.connections / opts.rate))
                                    : Clock::duration::zero();
    // Each connection sends at its own slots, spread evenly across the interval; a late
    // answer delays the next send but its latency still counts from its slot.
    auto scheduled = start + interval * index / std::max(1, opts.connections);
    asio::steady_timer timer(ex);
    Response res;
    std::uint64_t id = 1;
    // --mix: the options of each kind of request (the churn uses initialize and DELETE).
    const bool mixed = opts.mix.total() > 0;
    LoadOptions call_opts = opts, list_opts = opts;
    call_opts.method = "tools/call";
    list_opts.method = "tools/list";
    std::uint64_t n = 0;
    while (true) {
      if (open_loop) {
        scheduled += interval;
        if (scheduled >= end) break;
        if (scheduled > Clock::now()) {
          timer.expires_at(scheduled);
          co_await timer.async_wait(kTuple);
        }
      } else if (Clock::now() >= end) {
        break;
      }
      auto sent = Clock::now();
      const MixKind kind = mixed ? mix_kind(opts.mix, n++) : MixKind::call;
      if (kind == MixKind::churn) {
        bool churned = co_await churn(s, conn, res);
        auto done = Clock::now();
        if (!churned || done < warm_end) continue;
        ++s.totals.mix_done[static_cast<int>(kind)];
        auto from = open_loop ? scheduled : sent;
        s.totals.latencies_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(done - from).count());
        continue;
      }
      const LoadOptions& ro = !mixed ? opts : kind == MixKind::list ? list_opts : call_opts;
      auto req = make_request(ro, request_body(ro, id++), session, ro.method);
      bool ok = co_await send(s, conn, req, res);
      auto done = Clock::now();
      if (!ok) {
        s.totals.error("connection lost");
        co_return;
      }
      if (done < warm_end) continue;
      if (!is_success(res)) {
        s.totals.error("HTTP " + std::to_string(res.result_int()) + ": " + res.body().substr(0, 200));
        continue;
      }
      count_stream(res, s.totals);
      if (mixed) ++s.totals.mix_done[static_cast<int>(kind)];
      auto from = open_loop ? scheduled : sent;
      s.totals.latencies_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(done - from).count());
    }
    conn.close();
  }
};

// Sessions mode: worker `index` owns sessions index, index + C, index + 2C...
struct SessionWorker {
  Shared& s;
  Connection& conn;
  std::vector<std::string>& sessions;
  std::size_t index;

  awaitable<void> open_all() {
    for (std::size_t i = index; i < sessions.size(); i += s.opts.connections) {
      auto id = co_await initialize(s, conn);
      if (!id) co_return;
      sessions[i] = std::move(*id);
    }
  }

  awaitable<void> call_each() {
    Response res;
    for (std::size_t i = index; i < sessions.size(); i += s.opts.connections) {
      if (sessions[i].empty()) continue;
      auto sent = Clock::now();
      auto req = make_request(s.opts, request_body(s.opts, i + 1), sessions[i], s.opts.method);
      bool ok = co_await send(s, conn, req, res);
      if (!ok) {
        s.totals.error("connection lost");
        co_return;
      }
      if (!is_success(res)) {
        s.totals.error("HTTP " + std::to_string(res.result_int()) + ": " + res.body().substr(0, 200));
        continue;
      }
      s.totals.latencies_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - sent).count());
    }
  }
};

double percentile_us(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto idx = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return static_cast<double>(sorted[std::min(idx, sorted.size() - 1)]) / 1000.0;
}

void report(const LoadOptions& opts, Totals& totals, double seconds) {
  auto& lat = totals.latencies_ns;
  std::sort(lat.begin(), lat.end());
  double rps = seconds > 0 ? static_cast<double>(lat.size()) / seconds : 0;
  auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  if (opts.json_output) {
    std::printf(
        "{\"requests\":%zu,\"errors\":%llu,\"connect_errors\":%llu,\"connections\":%llu,\"sse_responses\":%llu,"
        "\"progress_events\":%llu,\"rps\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,"
        "\"max_us\":%.1f,\"mix_call\":%llu,\"mix_list\":%llu,\"mix_churn\":%llu}\n",
        lat.size(), u(totals.errors), u(totals.connect_errors), u(totals.connections_opened), u(totals.sse_responses),
        u(totals.progress_events), rps, percentile_us(lat, 50), percentile_us(lat, 90), percentile_us(lat, 99),
        percentile_us(lat, 99.9), lat.empty() ? 0.0 : lat.back() / 1000.0, u(totals.mix_done[0]),
        u(totals.mix_done[1]), u(totals.mix_done[2]));
  } else {
    std::printf("requests %zu  errors %llu  connect errors %llu  connections %llu  sse %llu  %.1f req/s\n", lat.size(),
                u(totals.errors), u(totals.connect_errors), u(totals.connections_opened), u(totals.sse_responses), rps);
    std::printf("latency us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n", percentile_us(lat, 50),
                percentile_us(lat, 90), percentile_us(lat, 99), percentile_us(lat, 99.9),
                lat.empty() ? 0.0 : lat.back() / 1000.0);
  }
  std::fflush(stdout);
  if (!totals.first_error.empty()) std::fprintf(stderr, "first error: %s\n", totals.first_error.c_str());
}

int run_sessions(asio::io_context& ctx, Shared& shared) {
  const auto& opts = shared.opts;
  std::vector<std::string> sessions(opts.sessions);
  std::vector<std::unique_ptr<Connection>> conns;
  std::vector<SessionWorker> workers;
  for (int i = 0; i < opts.connections; ++i) {
    conns.push_back(std::make_unique<Connection>(ctx.get_executor(), shared.tls));
    workers.push_back(SessionWorker{shared, *conns.back(), sessions, static_cast<std::size_t>(i)});
  }
  auto t0 = Clock::now();
  for (auto& w : workers) asio::co_spawn(ctx, w.open_all(), asio::detached);
  ctx.run();
  auto open = std::count_if(sessions.begin(), sessions.end(), [](const auto& id) { return !id.empty(); });
  // First line: the caller samples the server's memory while the sessions sit idle.
  std::printf("{\"phase\":\"initialized\",\"sessions\":%ld,\"init_s\":%.3f,\"errors\":%llu}\n", static_cast<long>(open),
              std::chrono::duration<double>(Clock::now() - t0).count(),
              static_cast<unsigned long long>(shared.totals.errors));
  std::fflush(stdout);
  std::this_thread::sleep_for(opts.hold);
  ctx.restart();
  auto t1 = Clock::now();
  for (auto& w : workers) asio::co_spawn(ctx, w.call_each(), asio::detached);
  ctx.run();
  report(opts, shared.totals, std::chrono::duration<double>(Clock::now() - t1).count());
  for (auto& c : conns) c->close();
  return (shared.totals.errors || shared.totals.connect_errors || static_cast<std::size_t>(open) != opts.sessions) ? 1
                                                                                                                 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_options(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "gatehouse-loadgen: %s\n%s", parsed.error().message.c_str(), usage());
    return 2;
  }
  const LoadOptions& opts = *parsed;
  asio::io_context ctx(1);
  asio::ip::tcp::resolver resolver(ctx);
  beast::error_code ec;
  auto endpoints = resolver.resolve(opts.host, std::to_string(opts.port), ec);
  if (ec) {
    std::fprintf(stderr, "gatehouse-loadgen: cannot resolve %s: %s\n", opts.host.c_str(), ec.message().c_str());
    return 2;
  }
  std::optional<asio::ssl::context> tls;
  if (opts.tls) tls.emplace(make_client_tls());
  Totals totals;
  Shared shared{opts, totals, endpoints, tls ? &*tls : nullptr};
  if (opts.sessions > 0) return run_sessions(ctx, shared);

  auto start = Clock::now();
  auto warm_end = start + opts.warmup;
  auto end = warm_end + opts.duration;
  std::vector<Worker> workers;
  workers.reserve(opts.connections);
  for (int i = 0; i < opts.connections; ++i) workers.push_back(Worker{shared, start, warm_end, end, i});
  for (auto& w : workers) asio::co_spawn(ctx, w.run(), asio::detached);
  ctx.run();
  report(opts, totals, std::chrono::duration<double>(opts.duration).count());
  return (totals.errors || totals.connect_errors || totals.latencies_ns.empty()) ? 1 : 0;
}
