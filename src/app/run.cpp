#include "app/run.hpp"

#include <boost/json/serialize.hpp>

#include <cstdio>
#include <memory>
#include <mutex>

#include "app/config_loading.hpp"
#include "app/control_loop.hpp"
#include "app/edge_holder.hpp"
#include "app/fga_api_holder.hpp"
#include "app/fga_cache_probe.hpp"
#include "app/request_telemetry.hpp"
#include "app/runtime.hpp"
#include "app/telemetry_builder.hpp"
#include "app/version.hpp"
#include "authz/limit_stage.hpp"
#include "config/loader.hpp"
#include "config/redact.hpp"
#include "config/watcher.hpp"
#include "core/log.hpp"
#include "gateway/gateway.hpp"
#include "gateway/recording_exchange.hpp"

namespace gatehouse::app {

namespace {

std::string redacted_dump(const config::Config& config) {
  return boost::json::serialize(config::to_redacted_json(config));
}

gateway::GatewayOptions gateway_options(const config::Config& config) {
  gateway::GatewayOptions o;
  o.threads = config.listeners.empty() ? 0 : static_cast<int>(config.listeners.front().threads);
  o.session_key.assign(config.sessions.key.begin(), config.sessions.key.end());
  o.server_version = kVersion;
  o.limits.max_body_bytes = config.limits.max_body;
  o.limits.max_header_bytes = config.limits.max_header;
  o.limits.idle_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.limits.idle_timeout);
  o.limits.body_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.limits.request_timeout);
  return o;
}

// Listeners keep their sockets across reloads; a port 0 in the file means the port bound at
// start. True when something was replaced.
bool with_bound_ports(config::Config& config, const std::vector<unsigned short>& bound) {
  bool changed = false;
  for (std::size_t i = 0; i < config.listeners.size() && i < bound.size(); ++i)
    if (config.listeners[i].port == 0) {
      config.listeners[i].port = bound[i];
      changed = true;
    }
  return changed;
}

void apply_log_level(const config::Config& config, const std::string& override_level) {
  if (!override_level.empty()) {
    if (auto l = log::parse_level(override_level)) log::set_level(*l);
    return;
  }
  static constexpr log::Level kLevels[] = {log::Level::trace, log::Level::debug, log::Level::info,
                                           log::Level::warn, log::Level::error};
  log::set_level(kLevels[static_cast<int>(config.log.level)]);
}

// Re-reads the file after a change; a file that does not load or a runtime that does not
// build is rejected as a whole and the running configuration stays.
class Reloader {
 public:
  Reloader(std::string path, gateway::Gateway& gateway, EdgeHolder& edge, FgaApiHolder& fga_api,
           FgaCacheProbe& fga_cache, RuntimeDeps deps,
           observe::Telemetry* telemetry, std::vector<unsigned short> bound_ports)
      : path_(std::move(path)), gateway_(gateway), edge_(edge), fga_api_(fga_api), fga_cache_(fga_cache), deps_(std::move(deps)),
        telemetry_(telemetry), bound_ports_(std::move(bound_ports)) {}

  void reload() {
    std::lock_guard lock(mu_);
    auto config = config::load_file(path_);
    if (!config) return reject(config.error().message);
    with_bound_ports(*config, bound_ports_);
    auto runtime = build_runtime(*config, generation_ + 1, deps_);
    if (!runtime) return reject(runtime.error().message);
    ++generation_;
    edge_.store(runtime->edge);
    gateway_.update(runtime->snapshot, runtime->chain);
    fga_api_.update(*config, std::move(runtime->fga_stores));
    fga_cache_.set(std::move(runtime->fga_cache_stats));
    gateway_.set_config_dump(redacted_dump(*config));
    count("applied");
    log::info("config.reloaded", {{"file", path_}, {"generation", generation_}});
  }

 private:
  void reject(const std::string& why) {
    count("rejected");
    log::error("config.reload_rejected", {{"file", path_}, {"error", why}});
  }
  void count(std::string_view outcome) {
    if (telemetry_ && telemetry_->metrics().config_reloads)
      telemetry_->metrics().config_reloads->with({std::string(outcome)}).inc();
  }

  std::string path_;
  gateway::Gateway& gateway_;
  EdgeHolder& edge_;
  FgaApiHolder& fga_api_;
  FgaCacheProbe& fga_cache_;
  RuntimeDeps deps_;
  observe::Telemetry* telemetry_;
  std::vector<unsigned short> bound_ports_;
  std::mutex mu_;
  std::uint64_t generation_ = 1;
};

}  // namespace

std::optional<config::Config> load_config_or_report(const std::string& path) {
  auto config = config::load_file(path);
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().message.c_str());
    return std::nullopt;
  }
  return std::move(*config);
}

int run_command(const Command& cmd) {
  auto config = load_config_or_report(cmd.config);
  if (!config) return 2;
  apply_log_level(*config, cmd.log_level);

  ControlLoop control;
  auto telemetry = observe::Telemetry::create(telemetry_config(*config), control.executor());
  if (!telemetry) {
    std::fprintf(stderr, "%s\n", telemetry.error().message.c_str());
    return 2;
  }
  std::shared_ptr<observe::Telemetry> tel(std::move(*telemetry));

  // Aliasing pointer: the audit log lives as long as the telemetry that owns it.
  RuntimeDeps deps{control.executor(), tel->audit_log() ? std::shared_ptr<observe::AuditLog>(tel, tel->audit_log()) : nullptr};
  auto runtime = build_runtime(*config, 1, deps);
  if (!runtime) {
    std::fprintf(stderr, "%s\n", runtime.error().message.c_str());
    return 2;
  }
  const auto tls_reloaders = runtime->tls_reloaders;  // the listeners' own (see below)

  auto edge = std::make_shared<EdgeHolder>(runtime->edge);
  auto options = gateway_options(*config);
  options.wrap_handler = [edge](net::Handler inner) { return edge->wrap(std::move(inner)); };
  options.on_request_done = request_observer(tel);
  options.on_request_start = request_start_observer(tel);
  options.on_shutdown = [] { authz::close_global_limiters(); };
  auto before_scrape = std::make_shared<std::function<void()>>();
  // The admin handler is built once; the OpenFGA API in front of it follows reloads.
  auto fga_api = std::make_shared<FgaApiHolder>();
  options.admin_extra = fga_api->wrap(admin_handler(tel, before_scrape));
  auto gateway = gateway::Gateway::create(runtime->snapshot, options);
  if (!gateway) {
    std::fprintf(stderr, "gatehouse: %s\n", gateway.error().message.c_str());
    return 1;
  }
  auto fga_cache = std::make_shared<FgaCacheProbe>();
  *before_scrape = [tel, front = &(*gateway)->front_end(), fga_cache] {
    const auto& m = tel->metrics();
    fga_cache->report(m);
    m.sessions_active->set(static_cast<double>(front->principal_limits().sessions_total()));
    m.streams_active->set(static_cast<double>(gateway::open_streams()));
  };
  // A listener on port 0 got its port at bind: rebuild with the bound ports, so the public
  // URLs (protected-resource metadata, token audiences) name the port clients really use.
  const auto bound = (*gateway)->ports();
  if (with_bound_ports(*config, bound)) {
    runtime = build_runtime(*config, 1, deps);
    if (!runtime) {
      std::fprintf(stderr, "%s\n", runtime.error().message.c_str());
      return 2;
    }
    edge->store(runtime->edge);
  }
  fga_api->update(*config, runtime->fga_stores);
  fga_cache->set(runtime->fga_cache_stats);
  (*gateway)->update(runtime->snapshot, runtime->chain);  // before run(): nothing served yet
  // Certificates and keys rotate in place (the layout a SPIFFE helper writes): poll the
  // files of the listeners as created (from the first runtime).
  for (const auto& r : tls_reloaders) r->start(control.executor());
  (*gateway)->set_config_dump(redacted_dump(*config));

  Reloader reloader(cmd.config, **gateway, *edge, *fga_api, *fga_cache, deps, tel.get(), bound);
  auto watcher = config::FileWatcher::create(control.executor(), cmd.config, [&reloader] { reloader.reload(); });
  if (!watcher) log::warn("config.watch_unavailable", {{"file", cmd.config}, {"error", watcher.error().message}});
  else (*watcher)->start();

  tel->start();
  const auto ports = (*gateway)->ports();
  for (std::size_t i = 0; i < ports.size() && i < runtime->snapshot->listeners.size(); ++i)
    log::info("gatehouse.listening", {{"listener", runtime->snapshot->listeners[i].name},
                                      {"address", runtime->snapshot->listeners[i].address},
                                      {"port", ports[i]}});
  if ((*gateway)->admin_port()) log::info("gatehouse.admin", {{"port", (*gateway)->admin_port()}});

  (*gateway)->run();  // until SIGTERM/SIGINT, then drains

  if (watcher) (*watcher)->stop();
  for (const auto& r : tls_reloaders) r->stop();
  tel->stop();
  control.stop();
  log::info("gatehouse.stopped");
  return 0;
}

}  // namespace gatehouse::app
