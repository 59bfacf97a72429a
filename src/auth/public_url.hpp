// The public URL clients use for a route, which is what `resource` in protected resource
// metadata and the audience of tokens must equal exactly. A configured public URL wins;
// otherwise the request's Host/TLS, and forwarded headers (RFC 7239 Forwarded, else
// X-Forwarded-Proto/-Host) only when the peer is a trusted proxy: anyone else could make the
// gateway advertise, and accept tokens for, a resource of their choosing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::auth {

struct PublicUrlPolicy {
  std::string public_url;                    // e.g. https://mcp.example.com (no trailing slash needed)
  std::vector<std::string> trusted_proxies;  // IPs or CIDRs: "10.0.0.0/8", "::1", "192.168.1.7"
};

struct RequestOrigin {
  std::string_view peer_ip;  // the TCP peer
  bool tls = false;          // the connection to us
  std::string_view host;     // Host header
  std::string_view forwarded;          // RFC 7239 Forwarded
  std::string_view x_forwarded_proto;
  std::string_view x_forwarded_host;
};

// invalid_config for a bad policy (checked once at load); bad_request for an unusable Host.
Status validate(const PublicUrlPolicy& policy);
bool is_trusted_proxy(const PublicUrlPolicy& policy, std::string_view peer_ip);
Result<std::string> public_resource_url(const PublicUrlPolicy& policy, const RequestOrigin& origin,
                                        std::string_view route_path);

}  // namespace gatehouse::auth
