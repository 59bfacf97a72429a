// gatehouse-metrics-sample: a registry holding every gateway metric family with sample
// values (including label values that need escaping), printed to stdout or served over
// HTTP at /metrics, so promtool and a real Prometheus can check the exposition format.
//   gatehouse-metrics-sample            print the exposition
//   gatehouse-metrics-sample --serve P  serve it on 127.0.0.1:P (0: any port, printed as
//                                       "listening <port>"), until stdin closes
#include <boost/asio/io_context.hpp>

#include <cstring>
#include <iostream>
#include <string>
#include <thread>

#include "net/http_server.hpp"
#include "observe/gateway_metrics.hpp"

using namespace gatehouse;
using namespace gatehouse::observe;

namespace {

void fill(GatewayMetrics& m) {
  m.http_requests->with({"/mcp", "POST", "200"}).inc(42);
  m.http_requests->with({"/mcp", "GET", "405"}).inc();
  m.mcp_calls->with({"weather", "tools/call", "get_forecast", "ok"}).inc(7);
  m.mcp_calls->with({"files", "tools/call", "quote\"back\\slash\nnewline", "denied"}).inc(2);
  m.authn->with({"oidc", "ok"}).inc(40);
  m.authn->with({"oidc", "expired"}).inc(3);
  m.authz->with({"cel", "allow"}).inc(38);
  m.authz->with({"fga", "deny"}).inc(2);
  m.ratelimit_hits->with({"per-subject"}).inc(5);
  auto& lat = m.upstream_latency->with({"weather"});
  for (double v : {0.0003, 0.002, 0.004, 0.03, 0.2, 1.5, 45.0}) lat.observe(v);
  m.sessions_active->set(3);
  m.streams_active->set(1);
  m.config_reloads->with({"ok"}).inc();
  m.config_reloads->with({"rejected"}).inc();
}

}  // namespace

int main(int argc, char** argv) {
  Registry registry;
  auto metrics = GatewayMetrics::declare(registry);
  fill(metrics);
  if (argc < 3 || std::strcmp(argv[1], "--serve") != 0) {
    std::cout << registry.render();
    return 0;
  }
  boost::asio::io_context io;
  net::HttpServer::Options opts;
  opts.listen.port = static_cast<unsigned short>(std::stoi(argv[2]));
  auto server = net::HttpServer::create_on(io, opts, [&](net::Exchange& ex) -> boost::asio::awaitable<void> {
    net::Response res{net::http::status::ok, 11};
    if (ex.request().target() == "/metrics") {
      // Each scrape changes something, so the test can see fresh samples arrive.
      metrics.http_requests->with({"/metrics", "GET", "200"}).inc();
      res.set(net::http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      res.body() = registry.render();
    } else {
      res.result(net::http::status::not_found);
    }
    co_await ex.respond(std::move(res));
  });
  if (!server) {
    std::cerr << server.error().message << "\n";
    return 1;
  }
  std::cout << "listening " << (*server)->port() << std::endl;
  std::thread watch([&] {
    std::string line;
    while (std::getline(std::cin, line)) {
    }
    boost::asio::post(io, [&] {
      (*server)->stop();
      io.stop();
    });
  });
  io.run();
  watch.join();
  return 0;
}
