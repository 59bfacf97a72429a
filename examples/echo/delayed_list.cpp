#include "examples/echo/delayed_list.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <charconv>
#include <cstdio>
#include <memory>
#include <string>

#include "core/log.hpp"
#include "sdk/http_transport.hpp"

namespace gatehouse::echo {

namespace asio = boost::asio;
namespace json = boost::json;

bool is_tools_list(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return false;
  const auto* method = v.get_object().if_contains("method");
  return method && method->is_string() && method->get_string() == "tools/list" && v.get_object().contains("id");
}

net::Handler delay_tools_list(net::Handler inner, std::chrono::milliseconds delay) {
  auto shared = std::make_shared<net::Handler>(std::move(inner));
  return [shared, delay](net::Exchange& ex) -> asio::awaitable<void> {
    const auto& req = ex.request();
    if (req.method() == boost::beast::http::verb::post && is_tools_list(req.body())) {
      asio::steady_timer timer(ex.executor(), delay);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_await (*shared)(ex);
  };
}

namespace {

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s --delay-ms MS --http HOST:PORT [--max-sessions N] [--stream-tool]\n", argv0);
  return 2;
}

bool parse_listen(std::string_view addr, net::ListenSpec& out) {
  auto colon = addr.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = addr.substr(0, colon), port = addr.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned p = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || ptr != port.data() + port.size() || p > 65535) return false;
  out.address = std::string(host);
  out.port = static_cast<unsigned short>(p);
  return true;
}

}  // namespace

int run_delayed(sdk::Server& server, std::chrono::milliseconds delay, int argc, char** argv) {
  net::ListenSpec listen;
  bool have_listen = false;
  sdk::HttpOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--http" && i + 1 < argc) {
      if (!parse_listen(argv[++i], listen)) return usage(argv[0]);
      have_listen = true;
    } else if (a == "--max-sessions" && i + 1 < argc) {
      std::string_view v = argv[++i];
      std::size_t n = 0;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || ptr != v.data() + v.size() || n == 0) return usage(argv[0]);
      options.max_sessions = n;
    } else {
      return usage(argv[0]);
    }
  }
  if (!have_listen) return usage(argv[0]);
  asio::io_context io;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  net::HttpServer::Options http_options;
  http_options.listen = listen;
  auto http = net::HttpServer::create_on(
      io, http_options, delay_tools_list(sdk::streamable_http_handler(server, options), delay));
  if (!http.ok()) {
    log::error("echo.listen_failed", {{"address", listen.address}, {"error", http.error().message}});
    return 1;
  }
  log::info("echo.listening", {{"address", listen.address}, {"port", (*http)->port()},
                               {"tools_list_delay_ms", static_cast<std::int64_t>(delay.count())}});
  io.run();
  (*http)->stop();
  return 0;
}

}  // namespace gatehouse::echo
