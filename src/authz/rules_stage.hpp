// The CEL rules stage (authz, after authentication and rate limits): per route, the
// compiled policy decides tools/call, prompts/get and resources/read|subscribe|unsubscribe,
// and filters list answers with the same rules, so what a caller cannot use it cannot see.
// Other methods (initialize, ping, notifications...) are not subject to rules.
#pragma once

#include <memory>

#include "config/types.hpp"
#include "core/result.hpp"
#include "gateway/policy_chain.hpp"
#include "observe/audit_log.hpp"

namespace gatehouse::authz {

// nullptr when no route has a policy. Compile errors name file:line:col.
Result<std::unique_ptr<gateway::PolicyStage>> make_rules_stage(const config::Config& config,
                                                                std::shared_ptr<observe::AuditLog> audit);

// The JSON-RPC answer for a denied call: what an unknown tool/prompt/resource gets
// (hidden: unknown), or an explicit "access denied" (hidden: deny). Exposed for tests.
net::Response denial_response(const gateway::PolicyRequest& request, config::PolicySpec::Hidden hidden);

}  // namespace gatehouse::authz
