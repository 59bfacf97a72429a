#include "auth/public_url.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <boost/url/parse.hpp>

namespace gatehouse::auth {
namespace {

namespace ip = boost::asio::ip;

// host[:port] with only the characters a host can have (no userinfo, path or spaces).
bool valid_host(std::string_view h) {
  if (h.empty() || h.size() > 255) return false;
  for (char c : h) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view first_of_list(std::string_view s) { return trim(s.substr(0, s.find(','))); }

// proto and host from the first element of an RFC 7239 Forwarded header.
void parse_forwarded(std::string_view header, std::string_view& proto, std::string_view& host) {
  std::string_view first = first_of_list(header);
  while (!first.empty()) {
    auto semi = first.find(';');
    std::string_view pair = trim(first.substr(0, semi));
    first = semi == std::string_view::npos ? std::string_view() : first.substr(semi + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = trim(pair.substr(0, eq));
    std::string_view value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    auto lower_eq = [](std::string_view a, std::string_view b) {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if ((a[i] | 0x20) != b[i]) return false;
      return true;
    };
    if (lower_eq(key, "proto")) proto = value;
    else if (lower_eq(key, "host")) host = value;
  }
}

bool in_network(const ip::address& addr, std::string_view spec) {
  boost::system::error_code ec;
  std::string s(spec);
  if (s.find('/') == std::string::npos) {
    auto single = ip::make_address(s, ec);
    return !ec && single == addr;
  }
  if (addr.is_v4()) {
    auto net = ip::make_network_v4(s, ec);
    if (ec) return false;
    return ip::network_v4(addr.to_v4(), net.prefix_length()).canonical() == net.canonical();
  }
  auto net = ip::make_network_v6(s, ec);
  if (ec) return false;
  return ip::network_v6(addr.to_v6(), net.prefix_length()).canonical() == net.canonical();
}

}  // namespace

Status validate(const PublicUrlPolicy& policy) {
  if (!policy.public_url.empty()) {
    auto u = boost::urls::parse_absolute_uri(policy.public_url);
    if (!u || (u->scheme() != "https" && u->scheme() != "http") || u->has_query() || u->has_fragment())
      return fail(Errc::invalid_config, "public_url must be an absolute http(s) URL without query or fragment");
  }
  for (const auto& p : policy.trusted_proxies) {
    boost::system::error_code ec;
    std::string s = p;
    if (s.find('/') == std::string::npos) ip::make_address(s, ec);
    else if (s.find(':') == std::string::npos) ip::make_network_v4(s, ec);
    else ip::make_network_v6(s, ec);
    if (ec) return fail(Errc::invalid_config, "trusted_proxies: not an IP or CIDR: " + p);
  }
  return {};
}

bool is_trusted_proxy(const PublicUrlPolicy& policy, std::string_view peer_ip) {
  boost::system::error_code ec;
  auto addr = ip::make_address(std::string(peer_ip), ec);
  if (ec) return false;
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) addr = ip::make_address_v4(ip::v4_mapped, addr.to_v6());
  for (const auto& p : policy.trusted_proxies)
    if (in_network(addr, p)) return true;
  return false;
}

Result<std::string> public_resource_url(const PublicUrlPolicy& policy, const RequestOrigin& origin,
                                        std::string_view route_path) {
  if (!policy.public_url.empty()) {
    std::string base = policy.public_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + std::string(route_path);
  }
  std::string_view proto = origin.tls ? "https" : "http";
  std::string_view host = origin.host;
  if (is_trusted_proxy(policy, origin.peer_ip)) {
    std::string_view fproto, fhost;
    if (!origin.forwarded.empty()) parse_forwarded(origin.forwarded, fproto, fhost);
    if (fproto.empty()) fproto = first_of_list(origin.x_forwarded_proto);
    if (fhost.empty()) fhost = first_of_list(origin.x_forwarded_host);
    if (fproto == "https" || fproto == "http") proto = fproto;
    if (!fhost.empty()) host = fhost;
  }
  if (!valid_host(host)) return fail(Errc::bad_request, "unusable Host header", "http.bad_host");
  return std::string(proto) + "://" + std::string(host) + std::string(route_path);
}

}  // namespace gatehouse::auth
