#include "gateway/upstream_pool.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>


#include "core/log.hpp"
#include "gateway/http_upstream.hpp"
#include "gateway/sse_upstream.hpp"

namespace gatehouse::gateway {
namespace {

std::shared_ptr<Upstream> default_factory(asio::any_io_executor ex, const TargetSpec& t) {
  if (const auto* s = std::get_if<StdioSpec>(&t.transport)) {
    auto up = StdioUpstream::create(ex, t.name, *s);
    up->start();
    return up;
  }
  const auto& h = std::get<HttpTarget>(t.transport);
  return h.legacy_sse ? make_sse_upstream(ex, t.name, h) : make_http_upstream(ex, t.name, h);
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
  if (!p) {
    p = std::make_unique<Pool>();
    p->executor = ex;
    p->index = static_cast<unsigned>(by_index_.size());
    by_index_.push_back(p.get());
  }
  tls_cache = {this, ctx, p.get()};
  return *p;
}

unsigned UpstreamPools::loop_index(const asio::any_io_executor& ex) { return pool_for(ex).index; }

std::optional<asio::any_io_executor> UpstreamPools::loop_executor(unsigned index) {
  std::lock_guard lock(mu_);
  if (index >= by_index_.size()) return std::nullopt;
  return by_index_[index]->executor;
}

std::shared_ptr<Upstream> UpstreamPools::get(const asio::any_io_executor& ex, const TargetSpec& target) {
  auto& pool = pool_for(ex);
  auto key = target.key();
  auto it = pool.upstreams.find(key);
  if (it != pool.upstreams.end()) return it->second;
  if (stopping_.load()) return nullptr;
  auto up = factory_(ex, target);
  if (up) pool.upstreams.emplace(std::move(key), up);
  return up;
}

void UpstreamPools::stop_async(std::chrono::milliseconds grace) {
  stopping_.store(true);
  std::lock_guard lock(mu_);
  for (auto& [ctx, pool] : pools_) {
    Pool* p = pool.get();
    asio::co_spawn(
        p->executor,
        [p, grace]() -> asio::awaitable<void> {
          auto upstreams = std::move(p->upstreams);
          p->upstreams.clear();
          for (auto& [key, up] : upstreams)
            if (auto s = std::dynamic_pointer_cast<StdioUpstream>(up)) co_await s->stop(grace);
            else up->shutdown();
        },
        asio::detached);
  }
}

void UpstreamPools::stop_all(std::chrono::milliseconds grace) {
  std::lock_guard lock(mu_);
  std::vector<StdioUpstream*> children;
  for (auto& [ctx, pool] : pools_)
    for (auto& [key, up] : pool->upstreams)
      if (auto* s = dynamic_cast<StdioUpstream*>(up.get()); s && s->pid() > 0) children.push_back(s);
  for (auto* c : children) c->signal_term();
  auto deadline = std::chrono::steady_clock::now() + grace;
  for (auto* c : children) c->reap_blocking(deadline);
  if (!children.empty()) log::info("gateway.upstreams_stopped", {{"children", children.size()}});
  pools_.clear();
  by_index_.clear();
  tls_cache = {};
}

}  // namespace gatehouse::gateway
