// gatehouse-loadgen: drives an MCP endpoint (either protocol era) with N keep-alive
// connections, closed or open loop, and reports throughput, latency percentiles and errors.
// One thread, coroutines: the generator itself stays cheap next to the system under test.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "bench/loadgen/options.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;
using namespace gatehouse::bench;

namespace {

constexpr auto kTuple = asio::as_tuple(use_awaitable);
constexpr const char* kModernVersion = "2026-07-28";
constexpr const char* kLegacyVersion = "2025-11-25";

struct Totals {
  std::vector<std::int64_t> latencies_ns;
  std::uint64_t errors = 0;
  std::uint64_t connect_errors = 0;
  std::string first_error;
};

std::string meta_json() {
  return std::string(R"("_meta":{"io.modelcontextprotocol/protocolVersion":")") + kModernVersion +
         R"(","io.modelcontextprotocol/clientInfo":{"name":"gatehouse-loadgen","version":"1"},)"
         R"("io.modelcontextprotocol/clientCapabilities":{}})";
}

std::string request_body(const LoadOptions& o, std::uint64_t id) {
  std::string params;
  if (o.method == "tools/call") {
    params = R"("name":")" + o.tool + R"(","arguments":{"text":")" + std::string(o.payload_bytes, 'x') + "\"}";
  }
  if (o.era == Era::modern) params += (params.empty() ? "" : ",") + meta_json();
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" + o.method + R"(","params":{)" +
         params + "}}";
}

http::request<http::string_body> make_request(const LoadOptions& o, std::string body, const std::string& session) {
  http::request<http::string_body> req{http::verb::post, o.path, 11};
  req.set(http::field::host, o.host + ":" + std::to_string(o.port));
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "application/json, text/event-stream");
  if (!o.bearer.empty()) req.set(http::field::authorization, "Bearer " + o.bearer);
  if (o.era == Era::modern) {
    req.set("MCP-Protocol-Version", kModernVersion);
    req.set("Mcp-Method", o.method);
    if (o.method == "tools/call") req.set("Mcp-Name", o.tool);
  } else {
    req.set("MCP-Protocol-Version", kLegacyVersion);
    if (!session.empty()) req.set("Mcp-Session-Id", session);
  }
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

// A JSON-RPC success: the body (JSON or SSE) carries a "result" member and no "error".
bool is_success(const http::response<http::string_body>& res) {
  if (res.result() != http::status::ok && res.result() != http::status::accepted) return false;
  const auto& b = res.body();
  return b.find("\"result\"") != std::string::npos && b.find("\"error\"") == std::string::npos;
}

awaitable<bool> exchange(beast::tcp_stream& stream, beast::flat_buffer& buf, http::request<http::string_body>& req,
                         http::response<http::string_body>& res) {
  stream.expires_after(std::chrono::seconds(30));
  auto [we, wn] = co_await http::async_write(stream, req, kTuple);
  if (we) co_return false;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  auto [re, rn] = co_await http::async_read(stream, buf, parser, kTuple);
  if (re) co_return false;
  res = parser.release();
  co_return true;
}

struct Worker {
  const LoadOptions& opts;
  Totals& totals;
  Clock::time_point start, warm_end, end;
  int index;

  void error(const std::string& what) {
    ++totals.errors;
    if (totals.first_error.empty()) totals.first_error = what;
  }

  awaitable<void> run() {
    auto ex = co_await asio::this_coro::executor;
    asio::ip::tcp::resolver resolver(ex);
    auto [rerr, endpoints] = co_await resolver.async_resolve(opts.host, std::to_string(opts.port), kTuple);
    beast::tcp_stream stream(ex);
    if (rerr || std::get<0>(co_await stream.async_connect(endpoints, kTuple))) {
      ++totals.connect_errors;
      co_return;
    }
    stream.socket().set_option(asio::ip::tcp::no_delay(true));
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    std::string session;
    std::uint64_t id = 1;

    if (opts.era == Era::legacy) {
      auto init = make_request(opts,
                               R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":")" +
                                   std::string(kLegacyVersion) +
                                   R"(","capabilities":{},"clientInfo":{"name":"gatehouse-loadgen","version":"1"}}})",
                               "");
      if (!co_await exchange(stream, buf, init, res) || !is_success(res)) {
        error("initialize failed: HTTP " + std::to_string(res.result_int()) + " " + res.body().substr(0, 200));
        co_return;
      }
      session = std::string(res["Mcp-Session-Id"]);
      auto note = make_request(opts, R"({"jsonrpc":"2.0","method":"notifications/initialized"})", session);
      if (!co_await exchange(stream, buf, note, res)) {
        error("notifications/initialized failed");
        co_return;
      }
    }

    const bool open_loop = opts.rate > 0;
    const auto interval = open_loop ? std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(opts.connections / opts.rate))
                                    : Clock::duration::zero();
    auto scheduled = start + interval * index / std::max(1, opts.connections);
    asio::steady_timer timer(ex);
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
      auto req = make_request(opts, request_body(opts, id++), session);
      bool ok = co_await exchange(stream, buf, req, res);
      auto done = Clock::now();
      auto from = open_loop ? scheduled : sent;
      if (!ok) {
        error("connection lost");
        co_return;
      }
      if (done < warm_end) continue;
      if (!is_success(res)) {
        error("HTTP " + std::to_string(res.result_int()) + ": " + res.body().substr(0, 200));
        continue;
      }
      totals.latencies_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(done - from).count());
    }
    beast::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  }
};

double percentile_us(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto idx = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return static_cast<double>(sorted[std::min(idx, sorted.size() - 1)]) / 1000.0;
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
  Totals totals;
  auto start = Clock::now();
  auto warm_end = start + opts.warmup;
  auto end = warm_end + opts.duration;
  std::vector<Worker> workers;
  workers.reserve(opts.connections);
  for (int i = 0; i < opts.connections; ++i) workers.push_back(Worker{opts, totals, start, warm_end, end, i});
  for (auto& w : workers) asio::co_spawn(ctx, w.run(), asio::detached);
  ctx.run();

  auto& lat = totals.latencies_ns;
  std::sort(lat.begin(), lat.end());
  double seconds = std::chrono::duration<double>(opts.duration).count();
  double rps = seconds > 0 ? static_cast<double>(lat.size()) / seconds : 0;
  if (opts.json_output) {
    std::printf(
        "{\"requests\":%zu,\"errors\":%llu,\"connect_errors\":%llu,\"rps\":%.1f,\"p50_us\":%.1f,"
        "\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f}\n",
        lat.size(), static_cast<unsigned long long>(totals.errors),
        static_cast<unsigned long long>(totals.connect_errors), rps, percentile_us(lat, 50), percentile_us(lat, 90),
        percentile_us(lat, 99), percentile_us(lat, 99.9), lat.empty() ? 0.0 : lat.back() / 1000.0);
  } else {
    std::printf("requests %zu  errors %llu  connect errors %llu  %.1f req/s\n", lat.size(),
                static_cast<unsigned long long>(totals.errors), static_cast<unsigned long long>(totals.connect_errors),
                rps);
    std::printf("latency us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n", percentile_us(lat, 50),
                percentile_us(lat, 90), percentile_us(lat, 99), percentile_us(lat, 99.9),
                lat.empty() ? 0.0 : lat.back() / 1000.0);
  }
  if (!totals.first_error.empty()) std::fprintf(stderr, "first error: %s\n", totals.first_error.c_str());
  return (totals.errors || totals.connect_errors || lat.empty()) ? 1 : 0;
}
