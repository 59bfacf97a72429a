// Builds the authentication stage of a config snapshot: one auth::RouteAuthenticator per
// route with an `auth:` section (JWT providers with their key sources, API keys), sharing
// one verified-token cache and one HTTP client for discovery and JWKS.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <memory>

#include "auth/token_cache.hpp"
#include "config/types.hpp"
#include "core/result.hpp"
#include "policy/authn_stage.hpp"
#include "policy/edge.hpp"

namespace gatehouse::app {

struct AuthnBuild {
  std::unique_ptr<policy::AuthnStage> stage;          // null when no route has auth
  std::vector<policy::WellKnownDocument> documents;   // protected-resource metadata per route
  std::vector<policy::EdgeEndpoint> endpoints;        // authorization-server helpers
};

// `background`: where JWKS caches refresh (the app's control loop).
Result<AuthnBuild> build_authn(const config::Config& config, std::shared_ptr<auth::TokenCache> cache,
                               boost::asio::any_io_executor background);

// The URL clients use for a route: public_url when configured, else derived from its listener.
std::string route_public_url(const config::Config& config, const config::Route& route);

}  // namespace gatehouse::app
