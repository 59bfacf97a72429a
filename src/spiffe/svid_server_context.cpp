#include "spiffe/svid_server_context.hpp"

#include <thread>

#include "core/log.hpp"

namespace gatehouse::spiffe {

Result<tls::ServerSettings> SvidServerContext::settings_for(const X509Context& context,
                                                            const SvidServerOptions& options) {
  const X509Svid* svid = nullptr;
  for (const auto& s : context.svids)
    if (options.spiffe_id.empty() || s.spiffe_id == options.spiffe_id) {
      svid = &s;
      break;
    }
  if (!svid)
    return fail(Errc::unavailable, "the Workload API sent no SVID " + options.spiffe_id, "spiffe.no_svid");
  tls::ServerSettings settings = options.base;
  GH_TRY(auto key, private_key_pem(svid->key_der));
  settings.certificates = {tls::CertificateFiles{.cert_pem = certificates_pem(svid->chain_der), .key_pem = std::move(key)}};
  settings.client_ca.clear();
  settings.client_ca_pem = bundles_pem(context.bundles, options.base.trust_domains);
  if (settings.client_ca_pem.empty()) {
    if (settings.require_client_cert || !settings.trust_domains.empty())
      return fail(Errc::unavailable, "the Workload API sent no bundle for the trusted trust domains", "spiffe.no_bundle");
  }
  return settings;
}

Result<std::shared_ptr<SvidServerContext>> SvidServerContext::create(std::shared_ptr<WorkloadApiClient> client,
                                                                     SvidServerOptions options) {
  auto self = std::shared_ptr<SvidServerContext>(new SvidServerContext(std::move(client), std::move(options)));
  // The subscription holds a weak pointer: the client outlives listeners of old configs.
  std::weak_ptr<SvidServerContext> weak = self;
  self->subscription_ = self->client_->subscribe_x509([weak](const std::shared_ptr<const X509Context>& context) {
    if (auto s = weak.lock()) s->on_update(context);
  });
  return self;
}

void SvidServerContext::on_update(const std::shared_ptr<const X509Context>& context) {
  auto settings = settings_for(*context, options_);
  Result<std::shared_ptr<const tls::ServerContext>> built =
      settings ? tls::ServerContext::create(*settings) : Result<std::shared_ptr<const tls::ServerContext>>(settings.propagate());
  if (!built) {
    log::error("spiffe.tls_update_failed", {{"error", built.error().message},
                                            {"sequence", static_cast<std::int64_t>(context->sequence)}});
    return;
  }
  bool first = current_.load() == nullptr;
  current_.store(*built, std::memory_order_release);
  if (!first) rotations_.fetch_add(1, std::memory_order_relaxed);
  log::info("spiffe.tls_updated", {{"spiffe_id", context->svids.empty() ? std::string() : context->svids.front().spiffe_id},
                                   {"sequence", static_cast<std::int64_t>(context->sequence)}});
}

bool SvidServerContext::wait_ready(std::chrono::milliseconds timeout) const {
  // Updates arrive on the client's thread; a short poll keeps this free of a second
  // condition variable (it runs once per listener at startup).
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!current()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace gatehouse::spiffe
