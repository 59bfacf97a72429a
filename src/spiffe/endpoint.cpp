#include "spiffe/endpoint.hpp"

#include <boost/url/parse.hpp>

#include <arpa/inet.h>

#include <cstdlib>

namespace gatehouse::spiffe {

namespace {
Unexpected bad(std::string_view endpoint, const std::string& why) {
  return fail(Errc::invalid_config, "Workload API endpoint \"" + std::string(endpoint) + "\": " + why, "spiffe.endpoint");
}
}  // namespace

Result<std::string> grpc_target(std::string_view endpoint) {
  auto u = boost::urls::parse_uri(endpoint);
  if (!u) return bad(endpoint, "not a URI (unix:///path or tcp://ip:port)");
  if (u->has_userinfo()) return bad(endpoint, "user info is not allowed");
  if (u->has_query()) return bad(endpoint, "a query is not allowed");
  if (u->has_fragment()) return bad(endpoint, "a fragment is not allowed");
  if (u->scheme() == "unix") {
    if (!u->host().empty()) return bad(endpoint, "unix sockets take no host (unix:///path)");
    std::string path(u->path());
    if (path.empty() || path.front() != '/') return bad(endpoint, "the socket path must be absolute");
    if (path.size() > 107) return bad(endpoint, "the socket path is too long for a Unix socket");
    return "unix://" + path;
  }
  if (u->scheme() == "tcp") {
    if (!u->path().empty() && u->path() != "/") return bad(endpoint, "tcp endpoints take no path");
    if (!u->has_port() || u->port_number() == 0) return bad(endpoint, "tcp endpoints need a port");
    std::string host(u->host_address());
    unsigned char buf[16];
    if (u->host_type() == boost::urls::host_type::ipv4 && ::inet_pton(AF_INET, host.c_str(), buf) == 1)
      return "ipv4:" + host + ":" + std::string(u->port());
    if (u->host_type() == boost::urls::host_type::ipv6)
      return "ipv6:[" + host + "]:" + std::string(u->port());
    return bad(endpoint, "tcp endpoints need an IP address, not a host name");
  }
  return bad(endpoint, "scheme must be unix or tcp");
}

Result<std::string> resolve_endpoint(std::string_view configured) {
  if (!configured.empty()) return std::string(configured);
  if (const char* env = std::getenv(kEndpointEnv); env && *env) return std::string(env);
  return fail(Errc::invalid_config,
              std::string("no Workload API endpoint: set spiffe.workload_api.socket or ") + kEndpointEnv,
              "spiffe.endpoint");
}

}  // namespace gatehouse::spiffe
