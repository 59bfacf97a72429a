#include "app/gateway_snapshot.hpp"

#include <variant>

namespace gatehouse::app {

namespace {

gateway::FailureMode failure_of(config::FailureMode m) {
  return m == config::FailureMode::closed ? gateway::FailureMode::closed : gateway::FailureMode::open;
}

gateway::PrefixMode prefix_of(config::PrefixMode m) {
  switch (m) {
    case config::PrefixMode::always: return gateway::PrefixMode::always;
    case config::PrefixMode::never: return gateway::PrefixMode::never;
    case config::PrefixMode::automatic: break;
  }
  return gateway::PrefixMode::automatic;
}

std::string where(const config::SourcePos& pos) {
  return pos.file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": ";
}

}  // namespace

Result<gateway::SnapshotPtr> to_gateway_snapshot(const config::Config& config, std::uint64_t generation) {
  auto snap = std::make_shared<gateway::GatewaySnapshot>();
  snap->generation = generation;
  snap->session_ttl = std::chrono::duration_cast<std::chrono::seconds>(config.sessions.ttl);
  for (const auto& l : config.listeners) {
    if (l.tls) {
      // The TLS library is in place (src/tls) but the listener does not terminate TLS yet.
      return fail(Errc::invalid_config, where(l.pos) + "listeners." + l.name +
                                            ".tls: TLS termination on listeners is not available in this build");
    }
    snap->listeners.push_back({l.name, l.address, l.port});
  }
  if (config.admin) snap->admin = gateway::ListenerSpec{"admin", config.admin->address, config.admin->port};

  for (const auto& r : config.routes) {
    gateway::RouteSpec route;
    route.name = r.name;
    route.listener = r.listener;
    route.host = r.host;
    route.path = r.path;
    route.allowed_origins = r.allowed_origins;
    if (r.cors)
      for (const auto& o : r.cors->allowed_origins) route.allowed_origins.push_back(o);
    route.max_body_bytes = config.limits.max_body;
    const config::Backend* backend = nullptr;
    for (const auto& b : config.backends)
      if (b.name == r.backend) backend = &b;
    if (!backend) return fail(Errc::invalid_config, where(r.pos) + "routes." + r.name + ": unknown backend");
    route.prefix = prefix_of(backend->prefix);
    for (const auto& t : backend->targets) {
      gateway::TargetSpec target;
      target.name = t.name;
      target.timeout = t.timeout;
      target.failure = failure_of(backend->failure);
      if (const auto* http = std::get_if<config::HttpTarget>(&t.transport)) {
        target.transport = gateway::HttpTarget{http->url, http->headers};
      } else if (const auto* stdio = std::get_if<config::StdioTarget>(&t.transport)) {
        target.transport = gateway::StdioSpec{stdio->command, stdio->args, stdio->env};
      } else {
        return fail(Errc::invalid_config, where(t.pos) + "targets." + t.name +
                                              ".sse: legacy HTTP+SSE targets are not available in this build");
      }
      route.targets.push_back(std::move(target));
    }
    snap->routes.push_back(std::move(route));
  }
  return gateway::SnapshotPtr(std::move(snap));
}

}  // namespace gatehouse::app
