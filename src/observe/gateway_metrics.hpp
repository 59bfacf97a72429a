// The gateway's standard metric families, declared once in one place so names, help texts
// and label sets stay consistent between the code that records and the docs that list them.
// The gateway keeps one GatewayMetrics per process and records through its pointers.
#pragma once

#include "observe/metrics.hpp"

namespace gatehouse::observe {

struct GatewayMetrics {
  CounterFamily* http_requests = nullptr;       // {route, method, status}
  CounterFamily* mcp_calls = nullptr;           // {target, method, tool, outcome}
  CounterFamily* authn = nullptr;               // {provider, outcome}
  CounterFamily* authz = nullptr;               // {policy, decision}
  CounterFamily* ratelimit_hits = nullptr;      // {rule}
  HistogramFamily* upstream_latency = nullptr;  // {target}, seconds
  Gauge* sessions_active = nullptr;
  Gauge* streams_active = nullptr;
  CounterFamily* config_reloads = nullptr;      // {outcome}
  CounterFamily* fga_cache = nullptr;           // {result}: hit | miss
  // The tracer's own health, so a broken collector shows up on the dashboard.
  CounterFamily* spans_dropped = nullptr;       // {reason}
  CounterFamily* spans_exported = nullptr;      // {outcome}

  // Declares every family in `registry` (call once per registry).
  static GatewayMetrics declare(Registry& registry);
};

}  // namespace gatehouse::observe
