// Authentication, the second stage of the chain: reads the credential (a bearer JWT, or an
// API key), turns it into one auth::Identity, and binds the request to its principal. A
// missing or bad credential on a protected route is a 401 whose WWW-Authenticate leads an
// MCP client to the protected-resource metadata (and from there through OAuth); a token
// without the route's scopes is a 403 insufficient_scope (step-up).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "auth/api_keys.hpp"
#include "auth/identity.hpp"
#include "auth/jwt_authenticator.hpp"
#include "gateway/policy_chain.hpp"

namespace gatehouse::policy {

struct AuthnRoute {
  std::string route_path;
  bool required = true;
  std::vector<std::string> scopes;  // every call on the route needs all of them
  std::string metadata_url;         // absolute URL of the protected-resource metadata
  std::shared_ptr<const auth::JwtAuthenticator> jwt;  // null: no JWT providers
  std::shared_ptr<const auth::ApiKeyStore> api_keys;  // null: no API keys
};

class AuthnStage final : public gateway::PolicyStage {
 public:
  explicit AuthnStage(std::vector<AuthnRoute> routes) : routes_(std::move(routes)) {}
  std::string_view name() const override { return "authn"; }
  boost::asio::awaitable<gateway::Decision> apply(gateway::PolicyRequest& request) override;

  // The identity a previous stage put on the request (null when anonymous).
  static const auth::Identity* identity_of(const gateway::PolicyRequest& request) {
    return static_cast<const auth::Identity*>(request.identity.get());
  }

 private:
  const AuthnRoute* route_for(std::string_view path) const;
  std::vector<AuthnRoute> routes_;
};

}  // namespace gatehouse::policy
