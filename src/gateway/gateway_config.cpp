#include "gateway/gateway_config.hpp"

#include "tls/client_tls.hpp"

namespace gatehouse::gateway {

std::string TargetSpec::key() const {
  std::string k = name;
  if (const auto* s = std::get_if<StdioSpec>(&transport)) {
    k += "|stdio|" + s->command;
    for (const auto& a : s->args) k += "\x1f" + a;
    for (const auto& [n, v] : s->env) k += "\x1e" + n + "=" + v;
  } else {
    const auto& h = std::get<HttpTarget>(transport);
    k += (h.legacy_sse ? "|sse|" : "|http|") + h.url + "|" + std::to_string(h.connect_timeout.count());
    for (const auto& [n, v] : h.headers) k += "\x1e" + n + ":" + v;
    if (h.tls) k += "|tls|" + h.tls->key();  // other trust or identity: another upstream
  }
  return k;
}

std::vector<std::string> RouteSpec::target_names() const {
  std::vector<std::string> out;
  out.reserve(targets.size());
  for (const auto& t : targets) out.push_back(t.name);
  return out;
}

const TargetSpec* RouteSpec::find(std::string_view target) const {
  for (const auto& t : targets)
    if (t.name == target) return &t;
  return nullptr;
}

const RouteSpec* GatewaySnapshot::match(std::string_view host, std::string_view path,
                                        std::string_view listener) const {
  // Host without port; routes with a host win over catch-all routes.
  if (auto colon = host.rfind(':'); colon != std::string_view::npos && host.find(']') == std::string_view::npos)
    host = host.substr(0, colon);
  const RouteSpec* any = nullptr;
  for (const auto& r : routes) {
    if (r.path != path) continue;
    if (!listener.empty() && !r.listener.empty() && r.listener != listener) continue;
    if (r.host.empty()) {
      if (!any) any = &r;
    } else if (r.host == host) {
      return &r;
    }
  }
  return any;
}

}  // namespace gatehouse::gateway
