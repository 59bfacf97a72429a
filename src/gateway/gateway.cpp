#include "gateway/gateway.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/json/serialize.hpp>

#include <csignal>
#include <thread>

#include "core/log.hpp"
#include "gateway/relay.hpp"

namespace gatehouse::gateway {
namespace json = boost::json;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

std::string redacted_snapshot_json(const GatewaySnapshot& snapshot) {
  json::array routes;
  for (const auto& r : snapshot.routes) {
    json::array targets;
    for (const auto& t : r.targets) {
      json::object o;
      o["name"] = t.name;
      o["timeout_ms"] = t.timeout.count();
      o["failure"] = t.failure == FailureMode::open ? "open" : "closed";
      if (const auto* s = std::get_if<StdioSpec>(&t.transport)) {
        json::object stdio;
        stdio["command"] = s->command;
        json::array args;
        for (const auto& a : s->args) args.push_back(json::value(a));
        stdio["args"] = std::move(args);
        json::object env;
        for (const auto& [k, v] : s->env) env[k] = "<redacted>";
        stdio["env"] = std::move(env);
        o["stdio"] = std::move(stdio);
      } else {
        const auto& h = std::get<HttpTarget>(t.transport);
        json::object ht;
        ht["url"] = h.url;
        if (h.legacy_sse) ht["legacy_sse"] = true;
        json::object headers;
        for (const auto& [k, v] : h.headers) headers[k] = "<redacted>";
        ht["headers"] = std::move(headers);
        o["http"] = std::move(ht);
      }
      targets.push_back(std::move(o));
    }
    json::object ro;
    ro["name"] = r.name;
    ro["listener"] = r.listener;
    ro["host"] = r.host;
    ro["path"] = r.path;
    ro["prefix"] = r.prefix == PrefixMode::always ? "always" : r.prefix == PrefixMode::never ? "never" : "auto";
    ro["targets"] = std::move(targets);
    routes.push_back(std::move(ro));
  }
  json::array listeners;
  for (const auto& l : snapshot.listeners)
    listeners.push_back(json::object{{"name", l.name}, {"address", l.address}, {"port", l.port}});
  json::object out;
  out["generation"] = snapshot.generation;
  out["listeners"] = std::move(listeners);
  out["routes"] = std::move(routes);
  out["session_ttl_s"] = snapshot.session_ttl.count();
  return json::serialize(out);
}

Result<std::unique_ptr<Gateway>> Gateway::create(SnapshotPtr snapshot, GatewayOptions options) {
  if (!snapshot) return fail(Errc::invalid_config, "no configuration");
  if (snapshot->listeners.empty()) return fail(Errc::invalid_config, "no listener configured");
  std::unique_ptr<Gateway> g(new Gateway());
  if (options.threads <= 0) options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  g->options_ = options;
  g->codec_ = std::make_shared<SessionCodec>(SessionCodec::create(options.session_key));
  g->pools_ = std::make_shared<UpstreamPools>();
  g->front_ = std::make_unique<FrontEnd>(g->codec_, g->pools_, options.server_version);
  g->front_->update(snapshot);
  if (options.on_request_done) g->front_->set_observer(options.on_request_done);
  if (options.on_request_start) g->front_->set_start_observer(options.on_request_start);
  g->config_dump_ = redacted_snapshot_json(*snapshot);
  for (const auto& l : snapshot->listeners) {
    net::HttpServer::Options o;
    o.listen = {l.address, l.port};
    o.limits = options.limits;
    o.threads = options.threads;
    o.tls = l.tls;
    net::Handler handler = g->front_->handler(l.name);
    if (options.wrap_handler) handler = options.wrap_handler(std::move(handler));
    auto server = net::HttpServer::create(o, std::move(handler));
    if (!server.ok()) return fail(server.error());
    log::info("gateway.listening", {{"listener", l.name}, {"address", l.address}, {"port", (*server)->port()},
                                    {"threads", options.threads}, {"tls", static_cast<bool>(l.tls)}});
    g->servers_.push_back(std::move(*server));
  }
  if (snapshot->admin) {
    net::HttpServer::Options o;
    o.listen = {snapshot->admin->address, snapshot->admin->port};
    o.threads = 1;
    Gateway* self = g.get();
    auto admin = net::HttpServer::create(o, [self](net::Exchange& ex) { return self->handle_admin(ex); });
    if (!admin.ok()) return fail(admin.error());
    log::info("gateway.admin_listening", {{"address", snapshot->admin->address}, {"port", (*admin)->port()}});
    g->admin_ = std::move(*admin);
  }
  return g;
}

Gateway::~Gateway() { drain(std::chrono::milliseconds(0)); }

void Gateway::start() {
  if (started_.exchange(true)) return;
  for (auto& s : servers_) s->start();
  if (admin_) admin_->start();
}

void Gateway::run() {
  start();
  // Signals are waited for on a small loop of their own, so the serving loops never see them.
  asio::io_context control;
  asio::signal_set signals(control, SIGTERM, SIGINT);
  signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::info("gateway.signal", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    shutdown();
  });
  std::thread waiter([&control] { control.run(); });
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return shutdown_requested_; });
  }
  signals.cancel();
  control.stop();
  waiter.join();
  if (options_.on_shutdown) options_.on_shutdown();
  drain(options_.drain_grace);
}

void Gateway::shutdown() {
  {
    std::lock_guard lock(mu_);
    shutdown_requested_ = true;
  }
  cv_.notify_all();
}

void Gateway::drain(std::chrono::milliseconds grace) {
  if (drained_.exchange(true)) return;
  draining_.store(true);
  auto started = Clock::now();
  log::info("gateway.draining", {{"grace_ms", grace.count()}});
  // Each server drains on a thread of its own (drain() blocks until its loops run out of
  // work); meanwhile, once no exchange is left (or the grace is over), the children are
  // stopped on their own loops, which is what lets those loops run out of work.
  std::vector<std::thread> drains;
  for (auto& s : servers_) drains.emplace_back([&s, grace] { s->drain(grace); });
  auto deadline = started + grace;
  auto busy = [this] {
    for (auto& s : servers_)
      if (s->active_connections() > 0) return true;
    return false;
  };
  while (busy() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  pools_->stop_async(std::chrono::milliseconds(2000));
  for (auto& t : drains) t.join();
  for (auto& s : servers_) s->stop();
  pools_->stop_all(std::chrono::milliseconds(1000));  // what a stopped loop could not end
  if (admin_) admin_->stop();
  log::info("gateway.stopped",
            {{"ms", std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()}});
}

void Gateway::update(SnapshotPtr snapshot, std::shared_ptr<const PolicyChain> chain) {
  auto old = front_->snapshot();
  bool listeners_changed = old && old->listeners.size() != snapshot->listeners.size();
  if (old && !listeners_changed)
    for (std::size_t i = 0; i < old->listeners.size(); ++i) {
      const auto& a = old->listeners[i];
      const auto& b = snapshot->listeners[i];
      // Port 0 means "the port bound at start", in the old snapshot or the new one.
      const unsigned short bound = i < servers_.size() ? servers_[i]->port() : a.port;
      if (a.name != b.name || a.address != b.address || (b.port != 0 && bound != b.port)) listeners_changed = true;
    }
  if (listeners_changed)
    log::warn("gateway.listeners_unchanged", {{"detail", "listener changes take effect after a restart"}});
  {
    std::lock_guard lock(mu_);
    config_dump_ = redacted_snapshot_json(*snapshot);
  }
  log::info("gateway.reloaded", {{"generation", snapshot->generation}, {"routes", snapshot->routes.size()}});
  if (chain) front_->update(std::move(snapshot), std::move(chain));
  else front_->update(std::move(snapshot));
}

void Gateway::set_config_dump(std::string json) {
  std::lock_guard lock(mu_);
  config_dump_ = std::move(json);
}

std::vector<unsigned short> Gateway::ports() const {
  std::vector<unsigned short> out;
  for (const auto& s : servers_) out.push_back(s->port());
  return out;
}

unsigned short Gateway::admin_port() const { return admin_ ? admin_->port() : 0; }

asio::awaitable<void> Gateway::handle_admin(net::Exchange& ex) {
  const auto& req = ex.request();
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));
  auto answer = [&](http::status status, std::string body) {
    net::Response res{status, 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  };
  const bool builtin = path == "/healthz" || path == "/readyz" || path == "/config";
  if (!builtin && options_.admin_extra) {
    co_await options_.admin_extra(ex);
  } else if (req.method() != http::verb::get) {
    co_await ex.respond(answer(http::status::method_not_allowed, R"({"error":"method not allowed"})"));
  } else if (path == "/healthz") {
    co_await ex.respond(answer(http::status::ok, R"({"status":"ok"})"));
  } else if (path == "/readyz") {
    bool ok = ready() && front_->snapshot() != nullptr;
    co_await ex.respond(answer(ok ? http::status::ok : http::status::service_unavailable,
                               ok ? R"({"status":"ready"})" : R"({"status":"draining"})"));
  } else if (path == "/config") {
    std::string dump;
    {
      std::lock_guard lock(mu_);
      dump = config_dump_;
    }
    co_await ex.respond(answer(http::status::ok, std::move(dump)));
  } else {
    co_await ex.respond(answer(http::status::not_found, R"({"error":"not found"})"));
  }
}

}  // namespace gatehouse::gateway
