// The gRPC side of WorkloadApiClient: one thread per server stream, each reopening its
// stream with exponential backoff when it ends. gRPC's own threads and objects stay here;
// what leaves this file is a checked, immutable snapshot.
#include <grpcpp/grpcpp.h>

#include <thread>
#include <vector>

#include "core/log.hpp"
#include "spiffe/workload_api_client.hpp"
#include "workload.grpc.pb.h"

namespace gatehouse::spiffe {

namespace {

// Bundles arrive keyed by the trust domain's SPIFFE ID; a bad key or certificate list drops
// that bundle only (and counts it), the rest of the message is still used.
template <typename Map>
X509BundleSet read_bundles(const Map& wire, WorkloadApiClient& client) {
  X509BundleSet out;
  for (const auto& [key, der] : wire) {
    auto domain = bundle_trust_domain(key);
    auto certs = split_der_certificates(der);
    if (!domain || !certs) {
      log::warn("spiffe.bad_bundle", {{"trust_domain", key},
                                      {"error", !domain ? domain.error().message : certs.error().message}});
      client.count_rejected();
      continue;
    }
    out[*domain] = std::move(*certs);
  }
  return out;
}

}  // namespace

struct WorkloadApiClient::Streams {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<SpiffeWorkloadAPI::Stub> stub;
  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;
  std::vector<grpc::ClientContext*> open;  // calls in progress, for stop() to cancel
  std::vector<std::thread> threads;

  // Runs one server stream until stop(): open, read every message, and on its end wait the
  // backoff (reset by any message received) and reopen.
  template <typename Request, typename Response, typename Open, typename Handle>
  void run(WorkloadApiClient& client, const char* name, Open open_call, Handle handle) {
    auto backoff = client.options_.initial_backoff;
    bool first = true;
    for (;;) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("workload.spiffe.io", "true");  // required by the Workload API spec
      {
        std::lock_guard lock(mu);
        if (stopping) return;
        open.push_back(&ctx);
      }
      if (!first) client.count_reconnect();
      first = false;
      Request request;
      auto reader = open_call(*stub, &ctx, request);
      Response response;
      while (reader->Read(&response)) {
        backoff = client.options_.initial_backoff;
        handle(response);
      }
      grpc::Status status = reader->Finish();
      std::unique_lock lock(mu);
      std::erase(open, &ctx);
      if (stopping) return;
      log::warn("spiffe.stream_ended", {{"stream", name},
                                        {"endpoint", client.endpoint_},
                                        {"code", static_cast<std::int64_t>(status.error_code())},
                                        {"error", status.error_message()},
                                        {"retry_ms", static_cast<std::int64_t>(backoff.count())}});
      wake.wait_for(lock, backoff, [&] { return stopping; });
      if (stopping) return;
      backoff = std::min(backoff * 2, client.options_.max_backoff);
    }
  }
};

WorkloadApiClient::~WorkloadApiClient() { stop(); }

Status WorkloadApiClient::start() {
  if (streams_) return {};
  auto s = std::make_shared<Streams>();
  grpc::ChannelArguments args;
  // The channel's own reconnect backoff would otherwise grow to minutes after an agent restart.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, static_cast<int>(options_.initial_backoff.count()));
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, static_cast<int>(options_.initial_backoff.count()));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(options_.max_backoff.count()));
  s->channel = grpc::CreateCustomChannel(target_, grpc::InsecureChannelCredentials(), args);
  s->stub = SpiffeWorkloadAPI::NewStub(s->channel);
  Streams* raw = s.get();
  streams_ = std::move(s);

  raw->threads.emplace_back([this, raw] {
    raw->run<X509SVIDRequest, X509SVIDResponse>(
        *this, "x509_svid",
        [](SpiffeWorkloadAPI::Stub& stub, grpc::ClientContext* ctx, const X509SVIDRequest& req) {
          return stub.FetchX509SVID(ctx, req);
        },
        [this](const X509SVIDResponse& msg) {
          X509Context context;
          for (const auto& svid : msg.svids()) {
            auto checked = check_x509_svid({svid.spiffe_id(), svid.x509_svid(), svid.x509_svid_key(), svid.hint()});
            if (!checked) {
              log::warn("spiffe.bad_svid", {{"spiffe_id", svid.spiffe_id()}, {"error", checked.error().message}});
              count_rejected();
              continue;
            }
            auto domain = bundle_trust_domain(svid.spiffe_id().substr(0, svid.spiffe_id().find('/', 9)));
            auto own = split_der_certificates(svid.bundle());
            if (domain && own) context.bundles[*domain] = std::move(*own);
            context.svids.push_back(std::move(*checked));
          }
          for (auto& [domain, certs] : read_bundles(msg.federated_bundles(), *this))
            context.bundles.emplace(domain, std::move(certs));
          // A message whose SVIDs all failed the checks must not replace a good one.
          if (context.svids.empty()) {
            log::warn("spiffe.x509_update_ignored", {{"reason", "no usable SVID"}});
            return;
          }
          publish_x509(std::move(context));
        });
  });
  if (options_.x509_bundles) {
    raw->threads.emplace_back([this, raw] {
      raw->run<X509BundlesRequest, X509BundlesResponse>(
          *this, "x509_bundles",
          [](SpiffeWorkloadAPI::Stub& stub, grpc::ClientContext* ctx, const X509BundlesRequest& req) {
            return stub.FetchX509Bundles(ctx, req);
          },
          [this](const X509BundlesResponse& msg) { publish_x509_bundles(X509Bundles{read_bundles(msg.bundles(), *this)}); });
    });
  }
  if (options_.jwt_bundles) {
    raw->threads.emplace_back([this, raw] {
      raw->run<JWTBundlesRequest, JWTBundlesResponse>(
          *this, "jwt_bundles",
          [](SpiffeWorkloadAPI::Stub& stub, grpc::ClientContext* ctx, const JWTBundlesRequest& req) {
            return stub.FetchJWTBundles(ctx, req);
          },
          [this](const JWTBundlesResponse& msg) {
            JwtBundles bundles;
            for (const auto& [key, jwks] : msg.bundles()) {
              auto domain = bundle_trust_domain(key);
              if (!domain) {
                count_rejected();
                continue;
              }
              bundles.jwks[*domain] = jwks;
            }
            publish_jwt_bundles(std::move(bundles));
          });
    });
  }
  log::info("spiffe.client_started", {{"endpoint", endpoint_}});
  return {};
}

void WorkloadApiClient::stop() {
  if (!streams_) return;
  {
    std::lock_guard lock(streams_->mu);
    streams_->stopping = true;
    for (auto* ctx : streams_->open) ctx->TryCancel();
  }
  streams_->wake.notify_all();
  for (auto& t : streams_->threads)
    if (t.joinable()) t.join();
  streams_.reset();
}

}  // namespace gatehouse::spiffe
