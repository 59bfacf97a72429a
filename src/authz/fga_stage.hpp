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
// the same check per item (one batch). An engine error or a template that cannot render denies.
// Instead of the embedded engine a route may ask a remote OpenFGA (remote_fga.hpp); any
// failure there denies too (reason fga.remote_failed). Decisions are cached per snapshot
// (fga_decision_cache.hpp): a reload builds a new stage with empty caches.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "authz/fga_decision_cache.hpp"
#include "config/types.hpp"
#include "core/result.hpp"
#include "fga/fixed_store.hpp"
#include "gateway/policy_chain.hpp"
#include "observe/audit_log.hpp"

namespace gatehouse::authz {

// nullptr when no route configures fga. Model, tuples and templates are loaded and compiled
// here (errors name file:line:col); the SQLite store persists across reloads.
Result<std::unique_ptr<gateway::PolicyStage>> make_fga_stage(const config::Config& config,
                                                              std::shared_ptr<observe::AuditLog> audit);

// Decision-cache counters summed over the stage's routes; nullopt for a stage that is not
// the fga stage (for the metrics wiring).
std::optional<FgaCacheStats> fga_cache_stats(const gateway::PolicyStage& stage);

// The embedded routes' own tuple stores with their models (remote routes have none), for
// the OpenFGA API on the admin listener; empty for a stage that is not the fga stage.
std::vector<fga::FixedStore> fga_route_stores(const gateway::PolicyStage& stage);

}  // namespace gatehouse::authz
