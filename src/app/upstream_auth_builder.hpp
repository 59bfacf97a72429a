// Per-caller upstream credentials for a backend (upstream_auth modes passthrough,
// client_credentials, token_exchange): the gateway::CallerCredentials its targets ask on
// every call, over auth::UpstreamCredentials (token requests, caching).
#pragma once

#include <memory>

#include "config/types.hpp"
#include "core/result.hpp"
#include "gateway/caller_credentials.hpp"

namespace gatehouse::app {

// Null for strip and static (static headers go into the target's fixed headers).
Result<std::shared_ptr<const gateway::CallerCredentials>> build_caller_credentials(const config::Backend& backend);

}  // namespace gatehouse::app
