// What the gateway answers at its edge, before the MCP front end: the OAuth protected-resource
// metadata documents (public, at their well-known paths) and CORS for browser-based MCP
// clients (preflights answered; the allowed Origin and the MCP headers exposed on every
// answer of a route that enables CORS). Wraps the front end's handler.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "net/http_server.hpp"

namespace gatehouse::policy {

struct CorsRoute {
  std::string path;                      // the route's path (exact)
  std::vector<std::string> allowed_origins;  // exact origins; "*" allows any (never with credentials)
  std::chrono::seconds max_age{600};
};

struct WellKnownDocument {
  std::string path;  // e.g. /.well-known/oauth-protected-resource/mcp
  std::string body;  // JSON
};

// A public endpoint answered at the edge by its own handler (the authorization-server
// helpers: metadata fetched from the IdP, the registration proxy). Exact path; the handler
// answers every method itself.
struct EdgeEndpoint {
  std::string path;
  net::Handler handler;
};

class Edge {
 public:
  Edge(std::vector<CorsRoute> cors, std::vector<WellKnownDocument> documents, std::vector<EdgeEndpoint> endpoints = {})
      : cors_(std::move(cors)), documents_(std::move(documents)), endpoints_(std::move(endpoints)) {}

  net::Handler wrap(net::Handler inner) const;
  // The same for one exchange; lets a caller swap the Edge per config snapshot while the
  // listeners keep their handler.
  boost::asio::awaitable<void> handle(net::Exchange& ex, const net::Handler& inner) const;

  // Helpers (public for tests).
  const CorsRoute* cors_for(std::string_view path) const;
  static bool origin_allowed(const CorsRoute& route, std::string_view origin);

 private:
  std::vector<CorsRoute> cors_;
  std::vector<WellKnownDocument> documents_;
  std::vector<EdgeEndpoint> endpoints_;
};

}  // namespace gatehouse::policy
