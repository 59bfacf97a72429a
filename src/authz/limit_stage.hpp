// The rate-limit stage (after authentication, before the rules): per route, each rule's key
// is a CEL expression over the same input the rules see (identity, request, MCP call), so
// "per subject", "per client and tool" or "per source address" are one line each. A key
// that evaluates to null or "" leaves the call to that rule's bucket unlimited; a key that
// errors refuses the call (the limit cannot be applied, so fail closed).
//
// A refused call gets HTTP 429 with Retry-After and the RateLimit / RateLimit-Policy headers
// (draft-ietf-httpapi-ratelimit-headers) and a JSON-RPC error body; passing calls carry the
// RateLimit headers of their tightest rule.
#pragma once

#include <memory>

#include "config/types.hpp"
#include "core/result.hpp"
#include "gateway/policy_chain.hpp"
#include "ratelimit/local_limiter.hpp"

namespace gatehouse::authz {

// JSON-RPC code of a rate-limited call (implementation-defined server range).
inline constexpr int kRateLimitedCode = -32029;

// nullptr when no route has rate limits. `local` keeps buckets across config reloads.
Result<std::unique_ptr<gateway::PolicyStage>> make_limit_stage(const config::Config& config,
                                                                std::shared_ptr<ratelimit::LocalLimiter> local);

// Closes the Redis connections of every limit stage (call at shutdown, before draining).
void close_global_limiters();

}  // namespace gatehouse::authz
