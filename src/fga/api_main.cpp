// gatehouse-fga-api: the OpenFGA HTTP API of the embedded engine on its own listener
// (in-memory stores), for the official SDKs and tools. Logs the bound port; stops on
// SIGINT/SIGTERM.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/log.hpp"
#include "fga/api_handler.hpp"

int main(int argc, char** argv) {
  using namespace gatehouse;
  net::ListenSpec listen{"127.0.0.1", 8081};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--listen" && i + 1 < argc) {
      std::string v = argv[++i];
      auto colon = v.rfind(':');
      if (colon == std::string::npos) return std::fprintf(stderr, "--listen HOST:PORT\n"), 2;
      listen.address = v.substr(0, colon);
      listen.port = static_cast<unsigned short>(std::atoi(v.c_str() + colon + 1));
    } else {
      std::fprintf(stderr, "usage: %s [--listen HOST:PORT]\n", argv[0]);
      return 2;
    }
  }
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  net::HttpServer::Options options;
  options.listen = listen;
  auto server = net::HttpServer::create_on(io, options, fga::make_api_handler(fga::make_api_state()));
  if (!server.ok()) {
    log::error("fga_api.listen_failed", {{"error", server.error().message}});
    return 1;
  }
  log::info("fga_api.listening", {{"address", listen.address}, {"port", (*server)->port()}});
  io.run();
  (*server)->stop();
  return 0;
}
