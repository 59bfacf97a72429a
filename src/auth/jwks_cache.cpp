#include "auth/jwks_cache.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>

#include "auth/discovery.hpp"
#include "core/log.hpp"

namespace gatehouse::auth {

namespace asio = boost::asio;

JwksCache::JwksCache(HttpFetch fetch, JwksCacheOptions options)
    : fetch_(std::move(fetch)), options_(std::move(options)), keys_(std::make_shared<JwkSet>()) {}

std::shared_ptr<JwksCache> JwksCache::fixed(JwkSet keys) {
  auto cache = std::make_shared<JwksCache>(HttpFetch{}, JwksCacheOptions{});
  cache->fixed_ = true;
  cache->keys_ = std::make_shared<const JwkSet>(std::move(keys));
  return cache;
}

std::chrono::steady_clock::time_point JwksCache::now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

std::shared_ptr<const JwkSet> JwksCache::current() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

asio::awaitable<std::shared_ptr<const JwkSet>> JwksCache::keys_for(std::string kid) {
  auto knows = [&](const JwkSet& set) { return kid.empty() ? !set.keys.empty() : set.has_kid(kid); };
  {
    std::lock_guard lock(mutex_);
    if (knows(*keys_) || fixed_) co_return keys_;
    if (in_flight_ == 0 && last_attempt_ && now() - *last_attempt_ < options_.min_refetch_interval) co_return keys_;
  }
  if (in_flight_ > 0) {
    // Another request is fetching: wait for its outcome instead of failing now.
    asio::steady_timer timer(co_await asio::this_coro::executor);
    auto deadline = std::chrono::steady_clock::now() + options_.wait_for_fetch;
    while (in_flight_ > 0 && std::chrono::steady_clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(10));
      (void)co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_return current();
  }
  (void)co_await refresh();
  co_return current();
}

asio::awaitable<Result<std::string>> JwksCache::resolve_jwks_uri() {
  if (!options_.jwks_uri.empty()) co_return options_.jwks_uri;
  {
    std::lock_guard lock(mutex_);
    if (!discovered_jwks_uri_.empty()) co_return discovered_jwks_uri_;
  }
  auto meta = co_await discover(fetch_, options_.issuer);
  if (!meta) co_return meta.propagate();
  if (meta->jwks_uri.empty()) co_return fail(Errc::unavailable, "issuer metadata has no jwks_uri", "jwks.no_uri");
  std::lock_guard lock(mutex_);
  discovered_jwks_uri_ = meta->jwks_uri;
  co_return discovered_jwks_uri_;
}

asio::awaitable<Status> JwksCache::refresh() {
  if (fixed_) co_return Status{};
  {
    std::lock_guard lock(mutex_);
    last_attempt_ = now();
  }
  ++in_flight_;
  struct Done {
    std::atomic<int>& n;
    ~Done() { --n; }
  } done{in_flight_};
  ++fetches_;
  auto outcome = [&]() -> asio::awaitable<Result<JwkSet>> {
    auto uri = co_await resolve_jwks_uri();
    if (!uri) co_return uri.propagate();
    auto res = co_await fetch_(get_json(*uri));
    if (!res) co_return res.propagate();
    if (res->status != 200)
      co_return fail(Errc::unavailable, "JWKS fetch answered " + std::to_string(res->status), "jwks.fetch_failed");
    auto set = parse_jwks(res->body);
    if (!set) co_return fail(Errc::unavailable, set.error().message, "jwks.invalid");
    if (set->keys.empty()) co_return fail(Errc::unavailable, "JWKS holds no usable key", "jwks.empty");
    co_return std::move(*set);
  };
  auto set = co_await outcome();
  if (!set) {
    ++failures_;
    log::warn("auth.jwks_fetch_failed", {{"issuer", options_.issuer}, {"reason", log_reason(set.error())},
                                         {"message", set.error().message}});
    co_return set.propagate();
  }
  auto fresh = std::make_shared<const JwkSet>(std::move(*set));
  log::debug("auth.jwks_fetched", {{"issuer", options_.issuer}, {"keys", fresh->keys.size()}});
  std::lock_guard lock(mutex_);
  keys_ = std::move(fresh);
  co_return Status{};
}

void JwksCache::start_background_refresh(asio::any_io_executor executor) {
  if (fixed_) return;
  asio::co_spawn(executor, refresh_loop(weak_from_this(), options_.refresh_interval), asio::detached);
}

asio::awaitable<void> JwksCache::refresh_loop(std::weak_ptr<JwksCache> weak, std::chrono::milliseconds interval) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (true) {
    timer.expires_after(interval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    auto self = weak.lock();
    if (!self || self->stopped_) co_return;
    (void)co_await self->refresh();
  }
}

}  // namespace gatehouse::auth
