// The gateway data plane's view of a loaded config: listeners, routes with their backends'
// targets resolved, admin address, session lifetime.
#pragma once

#include "config/types.hpp"
#include "core/result.hpp"
#include "gateway/gateway_config.hpp"

namespace gatehouse::app {

// invalid_config for what the loader accepts but this gateway build cannot serve yet.
Result<gateway::SnapshotPtr> to_gateway_snapshot(const config::Config& config, std::uint64_t generation);

}  // namespace gatehouse::app
