// Authentication, the second stage of the chain: the route's auth::RouteAuthenticator reads
// the credential (bearer JWT, opaque token, or API key) and yields one auth::Identity or the
// exact 401/403 the MCP authorization spec asks for (WWW-Authenticate leading the client to
// the protected-resource metadata, and from there through OAuth). On success the request is
// bound to the principal (sessions of another principal are unknown).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "auth/identity.hpp"
#include "auth/route_authenticator.hpp"
#include "gateway/policy_chain.hpp"

namespace gatehouse::policy {

struct AuthnRoute {
  std::string route_path;
  bool required = true;  // false: anonymous calls pass (a presented bad token still fails)
  std::shared_ptr<const auth::RouteAuthenticator> authenticator;
};

class AuthnStage final : public gateway::PolicyStage {
 public:
  explicit AuthnStage(std::vector<AuthnRoute> routes) : routes_(std::move(routes)) {}
  std::string_view name() const override { return "authn"; }
  boost::asio::awaitable<gateway::Decision> apply(gateway::PolicyRequest& request) override;

  // The identity this stage put on the request (null when anonymous).
  static const auth::Identity* identity_of(const gateway::PolicyRequest& request) {
    return static_cast<const auth::Identity*>(request.identity.get());
  }

 private:
  const AuthnRoute* route_for(std::string_view path) const;
  std::vector<AuthnRoute> routes_;
};

}  // namespace gatehouse::policy
