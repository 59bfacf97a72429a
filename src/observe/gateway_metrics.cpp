#include "observe/gateway_metrics.hpp"

namespace gatehouse::observe {

GatewayMetrics GatewayMetrics::declare(Registry& r) {
  GatewayMetrics m;
  m.http_requests = &r.counter("gatehouse_http_requests_total",
                               "HTTP requests answered, by route, method and status code.",
                               {"route", "method", "status"});
  m.mcp_calls = &r.counter("gatehouse_mcp_calls_total",
                           "MCP calls relayed, by target, JSON-RPC method, tool and outcome.",
                           {"target", "method", "tool", "outcome"});
  m.authn = &r.counter("gatehouse_authn_total", "Authentication attempts by provider and outcome.",
                       {"provider", "outcome"});
  m.authz = &r.counter("gatehouse_authz_total", "Authorization decisions by policy and decision.",
                       {"policy", "decision"});
  m.ratelimit_hits = &r.counter("gatehouse_ratelimit_hits_total", "Calls refused by a rate limit rule.",
                                {"rule"});
  m.upstream_latency = &r.histogram("gatehouse_upstream_latency_seconds",
                                    "Time from sending a request upstream to its complete answer.",
                                    {"target"});
  m.sessions_active = &r.gauge("gatehouse_sessions_active", "MCP sessions open on this replica (until DELETE, expiry or limits.session_idle unused).").with(LabelValues{});
  m.streams_active = &r.gauge("gatehouse_streams_active", "SSE streams currently open.").with(LabelValues{});
  m.config_reloads = &r.counter("gatehouse_config_reloads_total", "Configuration reloads by outcome.",
                                {"outcome"});
  m.fga_cache = &r.counter("gatehouse_fga_decision_cache_total",
                           "FGA decisions answered from the decision cache (hit) or asked of the engine or remote (miss).",
                           {"result"});
  m.spans_dropped = &r.counter("gatehouse_trace_spans_dropped_total",
                               "Spans dropped before export (queue full, export failed).", {"reason"});
  m.spans_exported = &r.counter("gatehouse_trace_spans_exported_total",
                                "Spans sent to the OTLP collector, by outcome.", {"outcome"});
  return m;
}

}  // namespace gatehouse::observe
