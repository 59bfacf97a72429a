// Everything one config snapshot needs at run time, built at once so a reload is all or
// nothing: the gateway's snapshot, the policy chain (stages in the fixed order of
// gateway/policy_chain.hpp), and the edge (metadata documents, CORS). A build error leaves
// the running snapshot in place.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <memory>

#include "observe/audit_log.hpp"
#include "ratelimit/local_limiter.hpp"
#include "tls/certificate_reloader.hpp"
#include "config/types.hpp"
#include "core/result.hpp"
#include "authz/fga_decision_cache.hpp"
#include "fga/fixed_store.hpp"
#include <functional>
#include "gateway/gateway_config.hpp"
#include "gateway/policy_chain.hpp"
#include "policy/edge.hpp"

namespace gatehouse::app {

struct RuntimeDeps {
  boost::asio::any_io_executor background;  // JWKS refresh and other periodic work
  std::shared_ptr<observe::AuditLog> audit;  // decisions of the authorization stages; may be null
  // Local rate-limit buckets, kept across reloads (a reload must not refill every budget).
  std::shared_ptr<ratelimit::LocalLimiter> local_limits = std::make_shared<ratelimit::LocalLimiter>();
};

struct Runtime {
  gateway::SnapshotPtr snapshot;
  std::shared_ptr<const gateway::PolicyChain> chain;
  std::shared_ptr<const policy::Edge> edge;
  // TLS listeners' certificate reloaders: the first runtime's are polled for rotation
  // (listeners are created once; later runtimes' listener settings need a restart).
  std::vector<std::shared_ptr<tls::CertificateReloader>> tls_reloaders;
  // The embedded fga routes' stores, which the OpenFGA API on the admin listener serves.
  std::vector<fga::FixedStore> fga_stores;
  // The fga stage's decision-cache counters (empty without fga routes); keeps the chain alive.
  std::function<authz::FgaCacheStats()> fga_cache_stats;
};

// A fresh verified-token cache per snapshot: a token accepted under an old provider list
// must be checked again under the new one.
Result<Runtime> build_runtime(const config::Config& config, std::uint64_t generation, const RuntimeDeps& deps);

}  // namespace gatehouse::app
