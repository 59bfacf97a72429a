// The part of the configuration the gateway data plane reads, as one immutable snapshot.
// Built from config::Config (see from_config) or directly by tests; a request keeps the
// snapshot it started with, reload swaps the pointer.
#pragma once

#include "net/http_server.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gateway/caller_credentials.hpp"
#include "gateway/naming.hpp"
#include "gateway/principal_limits.hpp"
#include "gateway/stdio_upstream.hpp"
#include "gateway/target_health.hpp"

namespace gatehouse::tls {
class ClientTls;
}

namespace gatehouse::gateway {

struct HttpTarget {
  std::string url;  // Streamable HTTP endpoint, e.g. http://127.0.0.1:8080/mcp
  std::vector<std::pair<std::string, std::string>> headers;  // static upstream headers
  bool legacy_sse = false;  // the 2024-11-05 HTTP+SSE transport: `url` is the GET stream
  // A new connection (TCP, and the TLS handshake for https) gets at most this long, within
  // the call's own timeout.
  std::chrono::milliseconds connect_timeout{5000};
  // https:// only: trust, expected identity and client certificate, and the context new
  // connections use (follows file rotation). Null for https: the system trust store and
  // the URL's host name.
  std::shared_ptr<tls::ClientTls> tls;
};

// open: a dead target is left out of fan-out answers; closed: the request fails.
enum class FailureMode { open, closed };

struct TargetSpec {
  std::string name;  // valid_target_name()
  std::variant<StdioSpec, HttpTarget> transport;
  std::chrono::milliseconds timeout{30'000};
  FailureMode failure = FailureMode::open;
  // Per-caller upstream credentials (HTTP targets); null: only the static headers.
  std::shared_ptr<const CallerCredentials> credentials;
  // Outlier ejection state, shared by every thread (null: never ejected).
  std::shared_ptr<TargetHealth> health;
  // Extra attempts of a list call (idempotent) after a transport failure.
  unsigned list_retries = 1;

  // Identity of the upstream process/connection: equal keys share one upstream per thread.
  std::string key() const;
};

struct ListenerSpec {
  std::string name = "main";
  std::string address = "127.0.0.1";
  unsigned short port = 0;  // 0: any free port
  // TLS termination: the context for each new connection (rotation applies to new
  // connections); empty: plain HTTP. Read once, when the listener is created.
  net::TlsContextSource tls;
};

struct RouteSpec {
  std::string name;
  std::string listener;  // ListenerSpec::name; empty: every listener
  std::string host;  // empty: any Host
  std::string path = "/mcp";
  std::vector<TargetSpec> targets;
  PrefixMode prefix = PrefixMode::automatic;
  // Origins allowed to call (exact match, e.g. "https://app.example"). Empty: only
  // requests without Origin or from a loopback origin (DNS-rebinding defence).
  std::vector<std::string> allowed_origins;
  std::size_t max_body_bytes = 4 * 1024 * 1024;

  std::vector<std::string> target_names() const;
  const TargetSpec* find(std::string_view target) const;
};

struct GatewaySnapshot {
  // Listeners and the admin address are read once at start; a reload that changes them
  // is applied to routes only (and says so in the log).
  std::vector<ListenerSpec> listeners;
  std::optional<ListenerSpec> admin;
  std::vector<RouteSpec> routes;
  std::chrono::seconds session_ttl{24 * 3600};
  PrincipalLimitsSpec principal_limits;
  std::uint64_t generation = 0;

  // `listener` empty: any route.
  const RouteSpec* match(std::string_view host, std::string_view path, std::string_view listener = {}) const;
};

using SnapshotPtr = std::shared_ptr<const GatewaySnapshot>;

}  // namespace gatehouse::gateway
