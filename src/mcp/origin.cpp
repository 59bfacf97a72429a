#include "mcp/origin.hpp"

#include <algorithm>
#include <cctype>

namespace gatehouse::mcp {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool listed(const std::vector<std::string>& list, std::string_view value) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& x) { return lower(x) == value; });
}

// "name[:port]" or "[v6]:port" to the host name; empty when malformed. Hand-written: the
// authorities here are tiny, and Boost.URL 1.81 parsed "127.0.0.1.evil.example.com" as the
// IPv4 address 127.0.0.1 in our tests, which would defeat the check.
std::string host_of_authority(std::string_view a) {
  if (a.empty() || a.find_first_of("@/?# \t") != std::string_view::npos) return {};
  std::string_view host = a, port;
  if (a.front() == '[') {
    auto close = a.find(']');
    if (close == std::string_view::npos) return {};
    host = a.substr(0, close + 1);
    std::string_view rest = a.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return {};
      port = rest.substr(1);
    }
  } else if (auto colon = a.find(':'); colon != std::string_view::npos) {
    host = a.substr(0, colon);
    port = a.substr(colon + 1);
  }
  if (host.empty() || port.size() > 5) return {};
  for (char c : port) {
    if (c < '0' || c > '9') return {};
  }
  return lower(host);
}

}  // namespace

bool is_loopback_host(std::string_view hostname) {
  std::string h = lower(hostname);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  return h == "localhost" || h == "127.0.0.1" || h == "::1";
}

bool origin_allowed(const OriginPolicy& policy, std::string_view origin) {
  std::string o = lower(origin);
  if (listed(policy.allowed_origins, o)) return true;
  std::string_view rest;
  if (o.starts_with("http://")) rest = std::string_view(o).substr(7);
  else if (o.starts_with("https://")) rest = std::string_view(o).substr(8);
  else return false;
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::string host = host_of_authority(rest);
  return !host.empty() && policy.allow_loopback && is_loopback_host(host);
}

bool host_allowed(const OriginPolicy& policy, std::string_view host) {
  if (!policy.check_host) return true;
  std::string name = host_of_authority(host);
  if (name.empty()) return false;
  if (policy.allow_loopback && is_loopback_host(name)) return true;
  return listed(policy.allowed_hosts, name);
}

}  // namespace gatehouse::mcp
