// Verification keys of one authorization server: fetched from its JWKS URL (given, or found
// through issuer discovery), refetched when a token names an unknown kid (at a bounded
// rate, so a flood of bogus kids cannot hammer the AS), refreshed in the background, and
// kept when a fetch fails (an AS outage must not log everybody out). Thread-safe.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "auth/http_fetch.hpp"
#include "auth/jwk.hpp"
#include "core/result.hpp"

namespace gatehouse::auth {

struct JwksCacheOptions {
  std::string jwks_uri;  // fixed JWKS URL, or empty to discover it from `issuer`
  std::string issuer;
  std::chrono::milliseconds min_refetch_interval{std::chrono::seconds(30)};
  std::chrono::milliseconds refresh_interval{std::chrono::minutes(5)};
  std::function<std::chrono::steady_clock::time_point()> clock;  // tests inject one
  // A request that finds a fetch already running waits for it this long (polling), so a
  // burst of tokens with a new kid right after rotation is not rejected while one fetch runs.
  std::chrono::milliseconds wait_for_fetch{std::chrono::seconds(3)};
};

class JwksCache : public std::enable_shared_from_this<JwksCache> {
 public:
  JwksCache(HttpFetch fetch, JwksCacheOptions options);
  // Keys from a file or inline config: never fetched.
  static std::shared_ptr<JwksCache> fixed(JwkSet keys);

  // The keys now (possibly empty before the first fetch). Never blocks on the network.
  std::shared_ptr<const JwkSet> current() const;

  // Keys that may know `kid`: when they do not (or nothing was fetched yet) and the last
  // fetch attempt is older than min_refetch_interval, fetch first. Never fails: on a fetch
  // error the old keys are returned and the caller reports jwt.unknown_kid.
  boost::asio::awaitable<std::shared_ptr<const JwkSet>> keys_for(std::string kid);

  // Fetch now. On failure the old keys stay.
  boost::asio::awaitable<Status> refresh();

  // Refresh every refresh_interval on `executor` until stop() or the cache is destroyed.
  void start_background_refresh(boost::asio::any_io_executor executor);
  void stop() { stopped_ = true; }

  std::size_t fetch_count() const { return fetches_; }
  std::size_t failure_count() const { return failures_; }

 private:
  std::chrono::steady_clock::time_point now() const;
  boost::asio::awaitable<Result<std::string>> resolve_jwks_uri();
  static boost::asio::awaitable<void> refresh_loop(std::weak_ptr<JwksCache> self,
                                                   std::chrono::milliseconds interval);

  HttpFetch fetch_;
  JwksCacheOptions options_;
  bool fixed_ = false;
  mutable std::mutex mutex_;
  std::shared_ptr<const JwkSet> keys_;
  std::optional<std::chrono::steady_clock::time_point> last_attempt_;
  std::string discovered_jwks_uri_;
  std::atomic<bool> stopped_{false};
  std::atomic<int> in_flight_{0};
  std::atomic<std::size_t> fetches_{0};
  std::atomic<std::size_t> failures_{0};
};

}  // namespace gatehouse::auth
