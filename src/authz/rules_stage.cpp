#include "authz/rules_stage.hpp"

#include <boost/json/serialize.hpp>

#include <map>

#include "authz/compiled_policy.hpp"
#include "authz/decision_audit.hpp"
#include "authz/rule_input.hpp"

namespace gatehouse::authz {
namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

// JSON-RPC code of an explicit denial: in the implementation-defined server range, apart
// from the codes MCP SDKs give meaning to.
constexpr int kAccessDenied = -32003;

bool is_named_call(std::string_view m) {
  return m == "tools/call" || m == "prompts/get" || m == "resources/read" || m == "resources/subscribe" ||
         m == "resources/unsubscribe";
}

std::string_view call_method(gateway::ListKind kind) {
  switch (kind) {
    case gateway::ListKind::tools: return "tools/call";
    case gateway::ListKind::prompts: return "prompts/get";
    default: return "resources/read";
  }
}

class RulesStage final : public gateway::PolicyStage {
 public:
  RulesStage(std::map<std::string, CompiledPolicy, std::less<>> policies, std::shared_ptr<observe::AuditLog> audit)
      : policies_(std::move(policies)), audit_(std::move(audit)) {}

  std::string_view name() const override { return "rules"; }

  boost::asio::awaitable<gateway::Decision> apply(gateway::PolicyRequest& request) override {
    auto it = policies_.find(request.route_path);
    if (it == policies_.end() || !is_named_call(request.method)) co_return gateway::Decision::proceed_with();
    const auto* identity = identity_of(request);
    const json::object& doc = request_document(request, it->second.reads);
    cel::Activation act;
    bind(act, doc);
    const Verdict v = decide(it->second, act);
    request.decision = v.allowed ? "allow" : "deny";
    request.decision_rule = v.rule;
    request.decision_reason = v.reason;
    write_audit(request, identity, v);
    if (v.allowed) co_return gateway::Decision::proceed_with();
    co_return gateway::Decision::respond_now(denial_response(request, it->second.hidden));
  }

  boost::asio::awaitable<void> filter_list(const gateway::PolicyRequest& request, gateway::ListKind kind,
                                           std::vector<gateway::ListedItem>& items) override {
    auto it = policies_.find(request.route_path);
    if (it == policies_.end()) co_return;
    json::object doc = rule_document(request, identity_of(request), it->second.reads);
    auto& mcp = doc["mcp"].as_object();
    mcp["method"] = call_method(kind);
    mcp["args"] = json::object{};
    const char* field = kind == gateway::ListKind::tools     ? "tool"
                        : kind == gateway::ListKind::prompts ? "prompt"
                                                             : "resource";
    for (auto& item : items) {
      if (!item.keep) continue;
      mcp["target"] = item.target;
      mcp[field] = item.name;
      mcp["name"] = item.name;
      cel::Activation act;
      bind(act, doc);
      item.keep = decide(it->second, act, /*listing=*/true).allowed;
    }
  }

 private:
  void write_audit(const gateway::PolicyRequest& r, const auth::Identity* id, const Verdict& v) {
    if (audit_) write_decision_audit(*audit_, r, id, "cel", v.allowed, v.rule, v.reason);
  }

  std::map<std::string, CompiledPolicy, std::less<>> policies_;
  std::shared_ptr<observe::AuditLog> audit_;
};

}  // namespace

net::Response denial_response(const gateway::PolicyRequest& r, config::PolicySpec::Hidden hidden) {
  json::object error;
  if (hidden == config::PolicySpec::Hidden::unknown) {
    // Word for word what the relay says for a name no target has (gateway/relay.cpp).
    const bool uri = r.method.starts_with("resources/");
    const char* what = uri ? "Unknown resource: " : r.method == "tools/call" ? "Unknown tool: " : "Unknown prompt: ";
    error["code"] = -32602;
    error["message"] = std::string(what) + std::string(r.name);
  } else {
    error["code"] = kAccessDenied;
    error["message"] = "Access denied: " + std::string(r.name);
  }
  json::object body{{"jsonrpc", "2.0"}, {"id", r.id ? *r.id : json::value(nullptr)}, {"error", std::move(error)}};
  net::Response res{http::status::ok, r.http.version()};
  res.set(http::field::content_type, "application/json");
  res.body() = json::serialize(body);
  res.prepare_payload();
  return res;
}

Result<std::unique_ptr<gateway::PolicyStage>> make_rules_stage(const config::Config& config,
                                                                std::shared_ptr<observe::AuditLog> audit) {
  std::map<std::string, CompiledPolicy, std::less<>> policies;
  std::string errors;
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    const auto& route = config.routes[i];
    if (!route.policy) continue;
    auto compiled = compile_policy(*route.policy, "routes[" + std::to_string(i) + "]");
    if (!compiled) {
      errors += (errors.empty() ? "" : "\n") + compiled.error().message;
      continue;
    }
    policies.emplace(route.path, std::move(*compiled));
  }
  if (!errors.empty()) return fail(Errc::invalid_config, errors, "policy.compile");
  if (policies.empty()) return std::unique_ptr<gateway::PolicyStage>();
  return std::unique_ptr<gateway::PolicyStage>(std::make_unique<RulesStage>(std::move(policies), std::move(audit)));
}

}  // namespace gatehouse::authz
