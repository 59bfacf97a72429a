// The policy hook between the MCP front end and the relay. The stage order is the
// gateway's, declared once below; a policy is a PolicyStage registered at its stage in
// builtin_policies.cpp (one line), built once per config snapshot.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/object.hpp>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/merge.hpp"
#include "gateway/request_record.hpp"
#include "net/http_server.hpp"

namespace gatehouse::gateway {

enum class Era { legacy, modern };

// What a policy can see of a request. The envelope is parsed once, before the chain; the
// target and the upstream name are resolved from the client's (prefixed) name before the
// chain too, so rules read the same names the upstream knows.
struct PolicyRequest {
  const net::Request& http;
  boost::asio::ip::tcp::endpoint source;  // the client's address (after the listener)
  std::string_view route_path;
  Era era = Era::legacy;
  std::string_view method;  // JSON-RPC method ("" for responses, GET and DELETE)
  std::string_view name;    // params.name / params.uri as the client sent it
  // params of the request (nullptr when absent); `arguments` is params.arguments of a
  // tools/call (the tool's input), nullptr otherwise.
  const boost::json::object* params = nullptr;
  const boost::json::object* arguments = nullptr;
  const boost::json::value* id = nullptr;  // the JSON-RPC id (nullptr for notifications, GET, DELETE)
  SSL* tls = nullptr;                      // the TLS session on a TLS listener (peer certificate)
  // After prefix resolution: mcp.target and the upstream's own name. `target` is empty when
  // it cannot be known without asking the targets (several targets, prefix: never).
  std::string target;
  std::string tool;          // tools/call
  std::string prompt;        // prompts/get
  std::string resource_uri;  // resources/read, subscribe, unsubscribe
  // Filled by authentication. `identity` is the authn module's own type (auth::Identity),
  // held opaquely so the gateway does not depend on it; `principal` is the stable key the
  // session is bound to (a session presented by another principal is unknown: 404).
  std::shared_ptr<const void> identity;
  std::string principal;
  std::string subject;  // the identity's subject, as logs show it (the principal key is a digest)
  // What the stages decided, for the access log, metrics and audit. A stage that answers
  // instead of the upstream sets decision "deny" (or "limited") and the rule; when it does
  // not, the chain records "deny" and the stage's name.
  std::string authn_outcome;  // ok / missing / invalid / insufficient_scope
  std::string authn_provider;  // jwt / introspection / api_key, or none (no credential)
  std::string decision;       // allow / deny / limited
  std::string decision_rule;
  std::string decision_reason;
  bool rate_limited = false;
  std::vector<TimedStep> stage_times;  // filled by the chain, one per policy run
  // The rule input (authz/rule_input.hpp) memoised for this request: the rate limit, rules
  // and fga stages read one document instead of each building its own. `rule_input_for` is
  // the identity it was built with, so a later change of identity rebuilds it.
  std::optional<boost::json::object> rule_input;
  const void* rule_input_for = nullptr;
};

// One entry of a merged list answer, as a list filter sees it.
struct ListedItem {
  std::string target;             // the target it came from
  std::string name;               // its upstream name (tool/prompt name, resource URI/template)
  const boost::json::object* item;  // the item as the client will see it (renamed)
  bool keep = true;               // a filter sets false to hide it
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
  // List answers (tools, prompts, resources, templates) after the merge: hide what the
  // caller may not use ("deny is quiet"). Default: keep all.
  virtual boost::asio::awaitable<void> filter_list(const PolicyRequest& request, ListKind kind,
                                                   std::vector<ListedItem>& items) {
    (void)request, (void)kind, (void)items;
    co_return;
  }
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
  // Every stage's filter_list in order; an item hidden by one stays hidden.
  boost::asio::awaitable<void> filter_list(const PolicyRequest& request, ListKind kind,
                                           std::vector<ListedItem>& items) const;

 private:
  std::array<std::vector<std::unique_ptr<PolicyStage>>, static_cast<std::size_t>(Stage::count)> stages_;
};

// Builds the chain for a snapshot from the built-in policies (builtin_policies.cpp).
std::shared_ptr<const PolicyChain> build_policy_chain(const struct GatewaySnapshot& snapshot);

}  // namespace gatehouse::gateway
