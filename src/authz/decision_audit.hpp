// One audit record per authorization decision, the same fields whichever stage decided
// (CEL rules, FGA checks): who asked to do what on which target, the decision and what made it.
#pragma once

#include <string_view>

#include "auth/identity.hpp"
#include "gateway/policy_chain.hpp"
#include "observe/audit_log.hpp"

namespace gatehouse::authz {

void write_decision_audit(observe::AuditLog& audit, const gateway::PolicyRequest& request,
                          const auth::Identity* identity, std::string_view policy, bool allowed,
                          std::string_view rule, std::string_view reason);

}  // namespace gatehouse::authz
