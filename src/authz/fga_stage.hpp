// The relationship check stage (authz, after the CEL rules): per route, one OpenFGA check
// (user, relation, object) rendered from templates over the rule input, e.g.
//   user: "user:{identity.subject}"  relation: can_call  object: "tool:{mcp.target}/{mcp.tool}"
// where each {...} is a CEL expression. The embedded engine answers from the route's store
// (memory or SQLite) with conditions in CEL. Per request:
//   - contextual tuples from the token: each role R gives (user, member, role:R) and each
//     group G gives (user, member, group:G), when the model has those types and relations;
//   - the context conditions see: now (timestamp), source_ip (ipaddress), args (the tool's
//     arguments), method, target and name of the MCP call.
// Named calls (tools/call, prompts/get, resources/*) are checked; lists are filtered by
// the same check per item. An engine error or a template that cannot render denies.
#pragma once

#include <memory>

#include "config/types.hpp"
#include "core/result.hpp"
#include "gateway/policy_chain.hpp"
#include "observe/audit_log.hpp"

namespace gatehouse::authz {

// nullptr when no route configures fga. Model, tuples and templates are loaded and compiled
// here (errors name file:line:col); the SQLite store persists across reloads.
Result<std::unique_ptr<gateway::PolicyStage>> make_fga_stage(const config::Config& config,
                                                              std::shared_ptr<observe::AuditLog> audit);

}  // namespace gatehouse::authz
