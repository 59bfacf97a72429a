// The built-in policies, one line each, at their stage. Adding a policy: a folder with
// its factory, and one line here.
#include "gateway/gateway_config.hpp"
#include "gateway/policy_chain.hpp"

namespace gatehouse::gateway {

std::shared_ptr<const PolicyChain> build_policy_chain(const GatewaySnapshot& snapshot) {
  auto chain = std::make_shared<PolicyChain>();
  (void)snapshot;
  // chain->add(Stage::cors, cors::make(snapshot));            (to come)
  // chain->add(Stage::authn, auth::make(snapshot));           (to come)
  // chain->add(Stage::rate_limit, ratelimit::make(snapshot)); (to come)
  // chain->add(Stage::authz, authz::make(snapshot));          (to come)
  return chain;
}

}  // namespace gatehouse::gateway
