#include "observe/audit_log.hpp"

#include "observe/access_log.hpp"
#include "observe/secret_scrubber.hpp"

namespace gatehouse::observe {

std::string AuditLog::format(const AuditRecord& r) const {
  JsonLine j;
  j.raw_str("ts", format_time(r.time))
      .raw_str("log", "audit")
      .str("principal", r.principal)
      .str("client", r.client)
      .str("action", r.action)
      .str("target", r.target)
      .str("resource", r.resource)
      .str("decision", r.decision, false)  // always present, even if a caller forgot it
      .str("policy", r.policy)
      .str("rule", r.rule)
      .str("reason", r.reason)
      .raw_str("session", session_tag(r.session))
      .str("trace_id", r.trace_id)
      .str("remote", r.remote);
  if (!r.details.empty()) {
    j.begin_object("details");
    for (const auto& [k, v] : r.details) j.str(k, v, false);
    j.end_object();
  }
  return j.done();
}

}  // namespace gatehouse::observe
