// The gateway data plane's view of a loaded config: listeners, routes with their backends'
// targets resolved, admin address, session lifetime.
#pragma once

#include <memory>
#include <vector>

#include "tls/certificate_reloader.hpp"

#include "config/types.hpp"
#include "core/result.hpp"
#include "gateway/gateway_config.hpp"

namespace gatehouse::app {

// invalid_config for what the loader accepts but this gateway build cannot serve yet.
// TLS listeners get a certificate reloader each (returned in `tls_reloaders`, not started:
// the caller polls the files of the runtime it serves with).
Result<gateway::SnapshotPtr> to_gateway_snapshot(const config::Config& config, std::uint64_t generation,
                                                 std::vector<std::shared_ptr<tls::CertificateReloader>>* tls_reloaders = nullptr);

}  // namespace gatehouse::app
