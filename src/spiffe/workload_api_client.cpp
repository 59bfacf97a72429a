#include "spiffe/workload_api_client.hpp"

#include "core/log.hpp"
#include "spiffe/endpoint.hpp"

namespace gatehouse::spiffe {

WorkloadApiClient::WorkloadApiClient(ClientOptions options, std::string endpoint, std::string target)
    : options_(std::move(options)), endpoint_(std::move(endpoint)), target_(std::move(target)) {}

Result<std::shared_ptr<WorkloadApiClient>> WorkloadApiClient::create(ClientOptions options) {
  GH_TRY(auto endpoint, resolve_endpoint(options.endpoint));
  GH_TRY(auto target, grpc_target(endpoint));
  if (options.initial_backoff.count() <= 0 || options.max_backoff < options.initial_backoff)
    return fail(Errc::invalid_config, "Workload API backoff: 0 < initial <= max", "spiffe.config");
  return std::shared_ptr<WorkloadApiClient>(new WorkloadApiClient(std::move(options), std::move(endpoint), std::move(target)));
}

Result<std::shared_ptr<WorkloadApiClient>> WorkloadApiClient::shared(const ClientOptions& options) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<WorkloadApiClient>> clients;
  GH_TRY(auto endpoint, resolve_endpoint(options.endpoint));
  std::lock_guard lock(mu);
  if (auto existing = clients[endpoint].lock()) return existing;
  ClientOptions resolved = options;
  resolved.endpoint = endpoint;
  GH_TRY(auto client, create(std::move(resolved)));
  if (auto s = client->start(); !s) return s.propagate();
  clients[endpoint] = client;
  return client;
}

bool WorkloadApiClient::wait_for_x509_context(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return updated_.wait_for(lock, timeout, [&] { return x509_.load() != nullptr; });
}

bool WorkloadApiClient::wait_for_jwt_bundles(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return updated_.wait_for(lock, timeout, [&] { return jwt_bundles_.load() != nullptr; });
}

template <typename Cb, typename Snap>
Subscription WorkloadApiClient::add(std::map<std::uint64_t, Cb>& list, Cb cb, const std::shared_ptr<const Snap>& now) {
  std::lock_guard lock(mu_);
  std::uint64_t id = next_id_++;
  if (now) cb(now);
  list.emplace(id, std::move(cb));
  std::weak_ptr<WorkloadApiClient> weak = weak_from_this();
  // The handle's deleter unsubscribes; `list` lives as long as the client, which the weak
  // pointer checks.
  return Subscription(reinterpret_cast<void*>(static_cast<std::uintptr_t>(id)), [weak, &list, id](void*) {
    if (auto self = weak.lock()) {
      std::lock_guard lock(self->mu_);
      list.erase(id);
    }
  });
}

Subscription WorkloadApiClient::subscribe_x509(X509Callback cb) { return add(x509_subs_, std::move(cb), x509_context()); }
Subscription WorkloadApiClient::subscribe_x509_bundles(X509BundlesCallback cb) {
  return add(x509_bundles_subs_, std::move(cb), x509_bundles());
}
Subscription WorkloadApiClient::subscribe_jwt_bundles(JwtBundlesCallback cb) {
  return add(jwt_subs_, std::move(cb), jwt_bundles());
}

void WorkloadApiClient::publish_x509(X509Context context) {
  std::lock_guard lock(mu_);
  context.sequence = ++x509_seq_;
  auto snap = std::make_shared<const X509Context>(std::move(context));
  x509_.store(snap, std::memory_order_release);
  log::info("spiffe.x509_update", {{"spiffe_id", snap->svids.empty() ? std::string() : snap->svids.front().spiffe_id},
                                   {"svids", static_cast<std::int64_t>(snap->svids.size())},
                                   {"bundles", static_cast<std::int64_t>(snap->bundles.size())},
                                   {"sequence", static_cast<std::int64_t>(snap->sequence)}});
  for (auto& [id, cb] : x509_subs_) cb(snap);
  updated_.notify_all();
}

void WorkloadApiClient::publish_x509_bundles(X509Bundles bundles) {
  std::lock_guard lock(mu_);
  bundles.sequence = ++x509_bundles_seq_;
  auto snap = std::make_shared<const X509Bundles>(std::move(bundles));
  x509_bundles_.store(snap, std::memory_order_release);
  for (auto& [id, cb] : x509_bundles_subs_) cb(snap);
  updated_.notify_all();
}

void WorkloadApiClient::publish_jwt_bundles(JwtBundles bundles) {
  std::lock_guard lock(mu_);
  bundles.sequence = ++jwt_seq_;
  auto snap = std::make_shared<const JwtBundles>(std::move(bundles));
  jwt_bundles_.store(snap, std::memory_order_release);
  for (auto& [id, cb] : jwt_subs_) cb(snap);
  updated_.notify_all();
}

}  // namespace gatehouse::spiffe
