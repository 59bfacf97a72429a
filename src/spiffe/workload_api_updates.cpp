// WorkloadApiClient's side of the streams: starts and stops them through the gRPC plugin and
// checks what arrives (SVIDs, bundle keys, certificate lists) before publishing a snapshot.
#include "core/log.hpp"
#include "spiffe/workload_api_client.hpp"

namespace gatehouse::spiffe {

WorkloadApiClient::~WorkloadApiClient() { stop(); }

Status WorkloadApiClient::start() {
  if (streams_) return {};
  StreamsOptions options{target_, options_.initial_backoff, options_.max_backoff, options_.x509_bundles,
                         options_.jwt_bundles};
  GH_TRY(streams_, start_streams(options, *this));
  log::info("spiffe.client_started", {{"endpoint", endpoint_}});
  return {};
}

void WorkloadApiClient::stop() { streams_.reset(); }

// Bundles arrive keyed by the trust domain's SPIFFE ID; a bad key or certificate list drops
// that bundle only (and counts it), the rest of the message is still used.
X509BundleSet WorkloadApiClient::read_bundles(const WireBundles& wire) {
  X509BundleSet out;
  for (const auto& [key, der] : wire) {
    auto domain = bundle_trust_domain(key);
    auto certs = split_der_certificates(der);
    if (!domain || !certs) {
      log::warn("spiffe.bad_bundle", {{"trust_domain", key},
                                      {"error", !domain ? domain.error().message : certs.error().message}});
      count_rejected();
      continue;
    }
    out[*domain] = std::move(*certs);
  }
  return out;
}

void WorkloadApiClient::on_x509_svid(WireX509Update update) {
  X509Context context;
  for (auto& svid : update.svids) {
    auto checked = check_x509_svid(RawX509Svid{svid.spiffe_id, svid.x509_svid, svid.x509_svid_key, svid.hint});
    if (!checked) {
      log::warn("spiffe.bad_svid", {{"spiffe_id", svid.spiffe_id}, {"error", checked.error().message}});
      count_rejected();
      continue;
    }
    auto domain = bundle_trust_domain(svid.spiffe_id.substr(0, svid.spiffe_id.find('/', 9)));
    auto own = split_der_certificates(svid.bundle);
    if (domain && own) context.bundles[*domain] = std::move(*own);
    context.svids.push_back(std::move(*checked));
  }
  for (auto& [domain, certs] : read_bundles(update.federated_bundles)) context.bundles.emplace(domain, std::move(certs));
  // A message whose SVIDs all failed the checks must not replace a good one.
  if (context.svids.empty()) {
    log::warn("spiffe.x509_update_ignored", {{"reason", "no usable SVID"}});
    return;
  }
  publish_x509(std::move(context));
}

void WorkloadApiClient::on_x509_bundles(WireBundles bundles) { publish_x509_bundles(X509Bundles{read_bundles(bundles)}); }

void WorkloadApiClient::on_jwt_bundles(WireBundles bundles) {
  JwtBundles out;
  for (auto& [key, jwks] : bundles) {
    auto domain = bundle_trust_domain(key);
    if (!domain) {
      count_rejected();
      continue;
    }
    out.jwks[*domain] = std::move(jwks);
  }
  publish_jwt_bundles(std::move(out));
}

void WorkloadApiClient::on_stream_ended(const char* stream, int code, const std::string& error,
                                        std::chrono::milliseconds retry) {
  log::warn("spiffe.stream_ended", {{"stream", stream},
                                    {"endpoint", endpoint_},
                                    {"code", static_cast<std::int64_t>(code)},
                                    {"error", error},
                                    {"retry_ms", static_cast<std::int64_t>(retry.count())}});
}

}  // namespace gatehouse::spiffe
