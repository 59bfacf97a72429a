// The authorization-server helpers of a route (config `auth.authorization_server`) as edge
// endpoints: the IdP's metadata under the gateway's own authorization-server URL, at the
// well-known paths MCP clients try, and the registration proxy.
#pragma once

#include <string>
#include <vector>

#include "auth/http_fetch.hpp"
#include "config/types.hpp"
#include "policy/edge.hpp"

namespace gatehouse::app {

struct AsHelperEndpoints {
  std::string issuer;  // what the route's resource metadata lists as its authorization server
  std::vector<policy::EdgeEndpoint> endpoints;
};

// `public_url`: the route's URL as clients use it; the helper's URL is its origin +
// "/oauth" + the route path.
AsHelperEndpoints build_as_helper(const config::Route& route, const config::AsHelperSpec& spec,
                                  const std::string& idp_issuer, const std::string& public_url,
                                  const auth::HttpFetch& fetch);

}  // namespace gatehouse::app
