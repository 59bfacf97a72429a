// DNS rebinding protection: a browser page on another site must not reach a server bound
// to loopback. Origin (when sent) and Host must be loopback or on a configured allow list.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::mcp {

struct OriginPolicy {
  bool allow_loopback = true;                // localhost, 127.0.0.1, [::1], any port
  std::vector<std::string> allowed_origins{};  // exact, e.g. "https://app.example.com"
  std::vector<std::string> allowed_hosts{};    // host names (no port), e.g. "mcp.example.com"
  bool check_host = true;
};

// True when the hostname (no port, IPv6 with or without brackets) is loopback.
bool is_loopback_host(std::string_view hostname);
// An Origin header value ("null" and garbage are refused unless listed).
bool origin_allowed(const OriginPolicy& policy, std::string_view origin);
// A Host header value ("name[:port]", "[v6]:port").
bool host_allowed(const OriginPolicy& policy, std::string_view host);

}  // namespace gatehouse::mcp
