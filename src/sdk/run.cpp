#include "sdk/run.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>

#include "core/log.hpp"
#include "mcp/origin.hpp"
#include "sdk/http_transport.hpp"
#include "sdk/stdio_transport.hpp"

namespace gatehouse::sdk {

namespace {

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s (--http HOST:PORT | --sse HOST:PORT | --stdio) [--max-sessions N]\n"
               "       [--session-idle-timeout SECONDS] [--threads N|auto]\n"
               "       [--allow-origin ORIGIN]... [--allow-host NAME]...\n", argv0);
  return 2;
}

// "127.0.0.1:8080", "[::1]:8080".
bool parse_listen(std::string_view addr, net::ListenSpec& out) {
  auto colon = addr.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view host = addr.substr(0, colon), port = addr.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned p = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || ptr != port.data() + port.size() || p > 65535 || host.empty()) return false;
  out.address = std::string(host);
  out.port = static_cast<unsigned short>(p);
  return true;
}

// "auto" (one per core) or 1..256.
bool parse_threads(std::string_view v, int& out) {
  if (v == "auto") {
    out = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return true;
  }
  int n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < 1 || n > 256) return false;
  out = n;
  return true;
}

}  // namespace

int run(Server& server, int argc, char** argv) {
  std::string mode;
  net::ListenSpec listen;
  HttpOptions options;
  // GATEHOUSE_SDK_THREADS sets the default (the test suite runs the examples threaded with it).
  int threads = 1;
  if (const char* env = std::getenv("GATEHOUSE_SDK_THREADS"); env && !parse_threads(env, threads)) return usage(argv[0]);
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if ((a == "--http" || a == "--sse") && i + 1 < argc) {
      mode = a.substr(2);
      if (!parse_listen(argv[++i], listen)) return usage(argv[0]);
    } else if (a == "--stdio") {
      mode = "stdio";
    } else if (a == "--max-sessions" && i + 1 < argc) {
      // Sessions a client never DELETEs stay until the cap (benchmarks open thousands).
      char* end = nullptr;
      const unsigned long n = std::strtoul(argv[++i], &end, 10);
      if (!end || *end != '\0' || n == 0) return usage(argv[0]);
      options.max_sessions = n;
    } else if (a == "--session-idle-timeout" && i + 1 < argc) {
      char* end = nullptr;
      const unsigned long n = std::strtoul(argv[++i], &end, 10);
      if (!end || *end != '\0' || n == 0) return usage(argv[0]);
      options.session_idle_timeout = std::chrono::seconds(n);
    } else if (a == "--allow-origin" && i + 1 < argc) {
      // A browser page allowed to call this server besides loopback ones (exact origin).
      options.origins.allowed_origins.emplace_back(argv[++i]);
    } else if (a == "--allow-host" && i + 1 < argc) {
      // A name this server is reached under besides loopback ones (Host header, no port).
      options.origins.allowed_hosts.emplace_back(argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      // One event loop per thread, each with its own SO_REUSEPORT listener; a session lives
      // on the thread that initialized it. "auto": one per core.
      if (!parse_threads(argv[++i], threads)) return usage(argv[0]);
    } else {
      return usage(argv[0]);
    }
  }
  if (mode.empty()) return usage(argv[0]);

  asio::io_context io;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });

  if (mode == "stdio") {
    asio::co_spawn(io, serve_stdio(server), [&](std::exception_ptr) { io.stop(); });
    io.run();
    return 0;
  }

  // Host checks protect loopback servers from DNS rebinding; a server bound elsewhere is
  // reached under names we cannot guess unless --allow-host lists them (Origin is always
  // checked).
  options.origins.check_host = mcp::is_loopback_host(listen.address) || !options.origins.allowed_hosts.empty();
  net::HttpServer::Options http_options;
  http_options.listen = listen;
  http_options.threads = threads;
  auto handler = mode == "http" ? streamable_http_handler(server, options) : legacy_sse_handler(server, options);
  auto http = threads > 1 ? net::HttpServer::create(http_options, std::move(handler))
                          : net::HttpServer::create_on(io, http_options, std::move(handler));
  if (!http.ok()) {
    log::error("sdk.listen_failed", {{"address", listen.address}, {"error", http.error().message}});
    return 1;
  }
  log::info("sdk.listening", {{"mode", mode}, {"address", listen.address}, {"port", (*http)->port()},
                              {"server", server.info().name}, {"threads", threads}});
  if (threads > 1) {
    (*http)->start();  // the loops run on their own threads; this one waits for a signal
    io.run();
  } else {
    io.run();
  }
  (*http)->stop();
  return 0;
}

}  // namespace gatehouse::sdk
