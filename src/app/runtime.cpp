#include "app/runtime.hpp"

#include "app/authn_builder.hpp"
#include "app/gateway_snapshot.hpp"
#include "authz/fga_stage.hpp"
#include "authz/limit_stage.hpp"
#include "authz/rules_stage.hpp"

namespace gatehouse::app {

namespace {
constexpr std::size_t kTokenCacheEntries = 100'000;
}  // namespace

Result<Runtime> build_runtime(const config::Config& config, std::uint64_t generation, const RuntimeDeps& deps) {
  Runtime rt;
  GH_TRY(auto snapshot, to_gateway_snapshot(config, generation, &rt.tls_reloaders));
  rt.snapshot = std::move(snapshot);

  auto chain = std::make_shared<gateway::PolicyChain>();
  GH_TRY(auto authn, build_authn(config, std::make_shared<auth::TokenCache>(kTokenCacheEntries), deps.background));
  if (authn.stage) chain->add(gateway::Stage::authn, std::move(authn.stage));
  GH_TRY(auto limits, authz::make_limit_stage(config, deps.local_limits));
  if (limits) chain->add(gateway::Stage::rate_limit, std::move(limits));
  GH_TRY(auto rules, authz::make_rules_stage(config, deps.audit));
  if (rules) chain->add(gateway::Stage::authz, std::move(rules));
  GH_TRY(auto fga, authz::make_fga_stage(config, deps.audit));  // after the rules: cheaper checks first
  const gateway::PolicyStage* fga_stage = fga.get();
  if (fga) {
    rt.fga_stores = authz::fga_route_stores(*fga);
    chain->add(gateway::Stage::authz, std::move(fga));
  }
  if (fga_stage)
    rt.fga_cache_stats = [chain, fga_stage] { return authz::fga_cache_stats(*fga_stage).value_or(authz::FgaCacheStats{}); };
  rt.chain = std::move(chain);

  std::vector<policy::CorsRoute> cors;
  for (const auto& r : config.routes)
    if (r.cors)
      cors.push_back({r.path, r.cors->allowed_origins, std::chrono::duration_cast<std::chrono::seconds>(r.cors->max_age)});
  rt.edge = std::make_shared<const policy::Edge>(std::move(cors), std::move(authn.documents), std::move(authn.endpoints));
  return rt;
}

}  // namespace gatehouse::app
