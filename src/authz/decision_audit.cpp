#include "authz/decision_audit.hpp"

namespace gatehouse::authz {

void write_decision_audit(observe::AuditLog& audit, const gateway::PolicyRequest& r, const auth::Identity* id,
                          std::string_view policy, bool allowed, std::string_view rule, std::string_view reason) {
  observe::AuditRecord a;
  a.principal = id ? id->subject : "";
  a.client = id ? id->client_id : "";
  a.action = std::string(r.method);
  a.target = r.target;
  a.resource = !r.tool.empty() ? r.tool : !r.prompt.empty() ? r.prompt : r.resource_uri;
  a.decision = allowed ? "allow" : "deny";
  a.policy = std::string(policy);
  a.rule = std::string(rule);
  a.reason = std::string(reason);
  if (auto s = r.http.find("Mcp-Session-Id"); s != r.http.end()) a.session = std::string(s->value());
  a.remote = r.source.address().to_string() + ":" + std::to_string(r.source.port());
  a.details.emplace_back("route", std::string(r.route_path));
  audit.write(a);
}

}  // namespace gatehouse::authz
