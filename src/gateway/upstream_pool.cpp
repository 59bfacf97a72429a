#include "gateway/upstream_pool.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>


#include "core/log.hpp"
#include "gateway/http_upstream.hpp"

namespace gatehouse::gateway {
namespace {

std::shared_ptr<Upstream> default_factory(asio::any_io_executor ex, const TargetSpec& t) {
  if (const auto* s = std::get_if<StdioSpec>(&t.transport)) {
    auto up = StdioUpstream::create(ex, t.name, *s);
    up->start();
    return up;
  }
  return make_http_upstream(ex, t.name, std::get<HttpTarget>(t.transport));
}

struct Cache {
  const UpstreamPools* owner = nullptr;
  const void* context = nullptr;
  void* pool = nullptr;
};
thread_local Cache tls_cache;

}  // namespace

UpstreamPools::UpstreamPools() : factory_(default_factory) {}

UpstreamPools::~UpstreamPools() {
  if (tls_cache.owner == this) tls_cache = {};
}

UpstreamPools::Pool& UpstreamPools::pool_for(const asio::any_io_executor& ex) {
  const void* ctx = &asio::query(ex, asio::execution::context);
  if (tls_cache.owner == this && tls_cache.context == ctx) return *static_cast<Pool*>(tls_cache.pool);
  std::lock_guard lock(mu_);
  auto& p = pools_[ctx];
  if (!p) p = std::make_unique<Pool>();
  tls_cache = {this, ctx, p.get()};
  return *p;
}

std::shared_ptr<Upstream> UpstreamPools::get(const asio::any_io_executor& ex, const TargetSpec& target) {
  auto& pool = pool_for(ex);
  auto key = target.key();
  auto it = pool.find(key);
  if (it != pool.end()) return it->second;
  auto up = factory_(ex, target);
  if (up) pool.emplace(std::move(key), up);
  return up;
}

void UpstreamPools::stop_all(std::chrono::milliseconds grace) {
  std::lock_guard lock(mu_);
  std::vector<StdioUpstream*> children;
  for (auto& [ctx, pool] : pools_)
    for (auto& [key, up] : *pool)
      if (auto* s = dynamic_cast<StdioUpstream*>(up.get()); s && s->pid() > 0) children.push_back(s);
  for (auto* c : children) c->signal_term();
  auto deadline = std::chrono::steady_clock::now() + grace;
  for (auto* c : children) c->reap_blocking(deadline);
  if (!children.empty()) log::info("gateway.upstreams_stopped", {{"children", children.size()}});
  pools_.clear();
  tls_cache = {};
}

}  // namespace gatehouse::gateway
