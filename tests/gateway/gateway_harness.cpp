// A test driver for tests/gateway/*.test.mjs until the app wires config -> gateway: runs
// the Gateway from a JSON description given as the only argument, prints
// "listening on 127.0.0.1:PORT admin PORT" on stderr, drains on SIGTERM, and reloads the
// description from the file named by "reload_file" on SIGHUP.
//   {"listen":{"address":"127.0.0.1","port":0},"admin":true,"key":"k","prefix":"auto",
//    "threads":2,"grace_ms":5000,"targets":[{"name":"a","http":"http://...","failure":"open",
//    "timeout_ms":5000},{"name":"b","stdio":["cmd","arg"]}]}
#include <boost/json/parse.hpp>

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "gateway/gateway.hpp"

namespace gw = gatehouse::gateway;
namespace json = boost::json;

static std::shared_ptr<gw::GatewaySnapshot> snapshot_from(const json::object& spec) {
  auto s = std::make_shared<gw::GatewaySnapshot>();
  gw::ListenerSpec l;
  if (auto* listen = spec.if_contains("listen")) {
    l.address = std::string(listen->at("address").as_string());
    l.port = static_cast<unsigned short>(listen->at("port").to_number<int>());
  }
  s->listeners.push_back(l);
  if (auto* a = spec.if_contains("admin"); a && a->is_bool() && a->as_bool()) s->admin = gw::ListenerSpec{"admin", "127.0.0.1", 0};
  gw::RouteSpec r;
  r.name = "mcp";
  if (auto* p = spec.if_contains("prefix")) {
    std::string_view m = p->as_string();
    r.prefix = m == "always" ? gw::PrefixMode::always : m == "never" ? gw::PrefixMode::never : gw::PrefixMode::automatic;
  }
  for (const auto& tv : spec.at("targets").as_array()) {
    const auto& t = tv.as_object();
    gw::TargetSpec ts;
    ts.name = std::string(t.at("name").as_string());
    if (auto* h = t.if_contains("http")) {
      ts.transport = gw::HttpTarget{std::string(h->as_string()), {}};
    } else {
      gw::StdioSpec st;
      const auto& cmd = t.at("stdio").as_array();
      st.command = std::string(cmd.at(0).as_string());
      for (std::size_t i = 1; i < cmd.size(); ++i) st.args.emplace_back(cmd[i].as_string());
      ts.transport = st;
    }
    if (auto* f = t.if_contains("failure")) ts.failure = f->as_string() == "closed" ? gw::FailureMode::closed : gw::FailureMode::open;
    if (auto* to = t.if_contains("timeout_ms")) ts.timeout = std::chrono::milliseconds(to->to_number<long>());
    r.targets.push_back(std::move(ts));
  }
  s->routes.push_back(std::move(r));
  return s;
}

static json::object read_spec(const std::string& text) { return json::parse(text).as_object(); }

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: gateway-harness '<json>'\n";
    return 2;
  }
  auto spec = read_spec(argv[1]);
  gw::GatewayOptions options;
  if (auto* k = spec.if_contains("key")) options.session_key = std::string(k->as_string());
  if (auto* t = spec.if_contains("threads")) options.threads = t->to_number<int>();
  if (auto* g = spec.if_contains("grace_ms")) options.drain_grace = std::chrono::milliseconds(g->to_number<long>());
  auto created = gw::Gateway::create(snapshot_from(spec), options);
  if (!created.ok()) {
    std::cerr << "cannot start: " << created.error().message << "\n";
    return 1;
  }
  auto& gateway = **created;
  std::cerr << "listening on 127.0.0.1:" << gateway.ports().at(0) << " admin " << gateway.admin_port() << std::endl;
  // SIGHUP: reload from "reload_file" (a bad file is reported and the old config stays).
  std::string reload_file;
  if (auto* f = spec.if_contains("reload_file")) reload_file = std::string(f->as_string());
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &hup, nullptr);
  std::thread reloader([&] {
    for (;;) {
      int sig = 0;
      if (sigwait(&hup, &sig) != 0) return;
      std::ifstream in(reload_file);
      std::stringstream text;
      text << in.rdbuf();
      try {
        auto next = snapshot_from(read_spec(text.str()));
        gateway.update(next);
        std::cerr << "reloaded" << std::endl;
      } catch (const std::exception& e) {
        std::cerr << "reload rejected: " << e.what() << std::endl;
      }
    }
  });
  reloader.detach();
  gateway.run();
  std::cerr << "drained" << std::endl;
  std::_Exit(0);  // the reloader thread is parked in sigwait
}
