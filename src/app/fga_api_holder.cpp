#include "app/fga_api_holder.hpp"

#include "core/log.hpp"

namespace gatehouse::app {

FgaApiHolder::FgaApiHolder()
    : state_(fga::make_api_state(fga::ApiOptions{false, std::string(kPrefix)})), api_(fga::make_api_handler(state_)) {}

void FgaApiHolder::update(const config::Config& config, std::vector<fga::FixedStore> stores) {
  const bool enabled = config.admin && config.admin->fga_api.enabled;
  // Token before stores and the switch: never a moment serving new stores under an old token.
  fga::set_api_token(*state_, enabled ? config.admin->fga_api.token : std::string());
  if (enabled) {
    const auto count = static_cast<std::int64_t>(stores.size());
    fga::set_fixed_stores(*state_, std::move(stores));
    log::info("fga_api.serving", {{"stores", count},
                                  {"token", !config.admin->fga_api.token.empty()}});
  } else {
    fga::set_fixed_stores(*state_, {});
  }
  enabled_.store(enabled);
}

net::Handler FgaApiHolder::wrap(net::Handler admin) {
  return [self = shared_from_this(), admin = std::move(admin)](net::Exchange& ex) -> boost::asio::awaitable<void> {
    std::string_view target = ex.request().target();
    std::string_view path = target.substr(0, target.find('?'));
    const bool ours = path.starts_with(kPrefix) && (path.size() == kPrefix.size() || path[kPrefix.size()] == '/');
    if (ours && self->enabled_.load()) co_await self->api_(ex);
    else co_await admin(ex);
  };
}

}  // namespace gatehouse::app
