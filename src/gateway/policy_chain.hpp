// The policy hook between the MCP front end and the relay. The stage order is the
// gateway's, declared once below; a policy is a PolicyStage registered at its stage in
// builtin_policies.cpp (one line), built once per config snapshot.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http_server.hpp"

namespace gatehouse::gateway {

enum class Era { legacy, modern };

// What a policy can see of a request (the envelope is parsed once, before the chain).
struct PolicyRequest {
  const net::Request& http;
  std::string_view route_path;
  Era era = Era::legacy;
  std::string_view method;  // JSON-RPC method ("" for responses)
  std::string_view name;    // params.name / params.uri when the method has one
  // Filled by authentication: the hash of the principal's key (binds sessions) and the
  // identity attributes later stages read.
  std::string principal;
};

struct Decision {
  enum class Kind { proceed, respond } kind = Kind::proceed;
  std::vector<std::pair<std::string, std::string>> headers;  // added to the final response
  std::optional<net::Response> response;                      // set when kind == respond

  static Decision proceed_with(std::vector<std::pair<std::string, std::string>> h = {}) {
    return Decision{Kind::proceed, std::move(h), std::nullopt};
  }
  static Decision respond_now(net::Response r) {
    return Decision{Kind::respond, {}, std::move(r)};
  }
};

class PolicyStage {
 public:
  virtual ~PolicyStage() = default;
  virtual std::string_view name() const = 0;
  virtual boost::asio::awaitable<Decision> apply(PolicyRequest& request) = 0;
};

// The fixed order. Each stage may rely on every stage before it having run.
enum class Stage : std::size_t {
  cors,        // preflight answered and CORS headers added before anything can refuse
  authn,       // who is calling (JWT, introspection, API key, mTLS) -> principal
  rate_limit,  // after authn so limits can key on the principal, before costly authz
  authz,       // CEL rules and FGA checks on the authenticated principal
  count,
};

class PolicyChain {
 public:
  void add(Stage stage, std::unique_ptr<PolicyStage> policy) {
    stages_[static_cast<std::size_t>(stage)].push_back(std::move(policy));
  }
  bool empty() const;
  // Runs every stage in order; the first `respond` ends the chain. Headers accumulate.
  boost::asio::awaitable<Decision> run(PolicyRequest& request) const;

 private:
  std::array<std::vector<std::unique_ptr<PolicyStage>>, static_cast<std::size_t>(Stage::count)> stages_;
};

// Builds the chain for a snapshot from the built-in policies (builtin_policies.cpp).
std::shared_ptr<const PolicyChain> build_policy_chain(const struct GatewaySnapshot& snapshot);

}  // namespace gatehouse::gateway
