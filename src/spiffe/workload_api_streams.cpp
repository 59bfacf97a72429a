// The gRPC side of WorkloadApiClient, built as the plugin libgatehouse_spiffe_grpc.so: one
// thread per server stream, each reopening its stream with exponential backoff when it ends.
// gRPC's threads and objects stay here; what leaves is the raw message content, handed to the
// host (workload_api_client.cpp checks it). Nothing from the gatehouse libraries is linked in.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "spiffe/workload_api_plugin.hpp"
#include "workload.grpc.pb.h"

namespace gatehouse::spiffe {

namespace {

template <typename Map>
WireBundles copy_map(const Map& wire) {
  return WireBundles(wire.begin(), wire.end());
}

class GrpcStreams final : public Streams {
 public:
  GrpcStreams(const StreamsOptions& options, StreamsHost& host) : options_(options), host_(host) {
    grpc::ChannelArguments args;
    // The channel's own reconnect backoff would otherwise grow to minutes after an agent restart.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, static_cast<int>(options_.initial_backoff.count()));
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, static_cast<int>(options_.initial_backoff.count()));
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(options_.max_backoff.count()));
    channel_ = grpc::CreateCustomChannel(options_.target, grpc::InsecureChannelCredentials(), args);
    stub_ = SpiffeWorkloadAPI::NewStub(channel_);

    threads_.emplace_back([this] {
      run<X509SVIDRequest, X509SVIDResponse>(
          "x509_svid",
          [](SpiffeWorkloadAPI::Stub& stub, grpc::ClientContext* ctx, const X509SVIDRequest& req) {
            return stub.FetchX509SVID(ctx, req);
          },
          [this](const X509SVIDResponse& msg) {
            WireX509Update update;
            for (const auto& svid : msg.svids())
              update.svids.push_back({svid.spiffe_id(), svid.x509_svid(), svid.x509_svid_key(), svid.bundle(), svid.hint()});
            update.federated_bundles = copy_map(msg.federated_bundles());
            host_.on_x509_svid(std::move(update));
          });
    });
    if (options_.x509_bundles) {
      threads_.emplace_back([this] {
        run<X509BundlesRequest, X509BundlesResponse>(
            "x509_bundles",
            [](SpiffeWorkloadAPI::Stub& stub, grpc::ClientContext* ctx, const X509BundlesRequest& req) {
              return stub.FetchX509Bundles(ctx, req);
            },
            [this](const X509BundlesResponse& msg) { host_.on_x509_bundles(copy_map(msg.bundles())); });
      });
    }
    if (options_.jwt_bundles) {
      threads_.emplace_back([this] {
        run<JWTBundlesRequest, JWTBundlesResponse>(
            "jwt_bundles",
            [](SpiffeWorkloadAPI::Stub& stub, grpc::ClientContext* ctx, const JWTBundlesRequest& req) {
              return stub.FetchJWTBundles(ctx, req);
            },
            [this](const JWTBundlesResponse& msg) { host_.on_jwt_bundles(copy_map(msg.bundles())); });
      });
    }
  }

  ~GrpcStreams() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      for (auto* ctx : open_) ctx->TryCancel();
    }
    wake_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  // Runs one server stream until destruction: open, read every message, and on its end wait
  // the backoff (reset by any message received) and reopen.
  template <typename Request, typename Response, typename Open, typename Handle>
  void run(const char* name, Open open_call, Handle handle) {
    auto backoff = options_.initial_backoff;
    bool first = true;
    for (;;) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("workload.spiffe.io", "true");  // required by the Workload API spec
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
        open_.push_back(&ctx);
      }
      if (!first) host_.on_reconnect();
      first = false;
      Request request;
      auto reader = open_call(*stub_, &ctx, request);
      Response response;
      while (reader->Read(&response)) {
        backoff = options_.initial_backoff;
        handle(response);
      }
      grpc::Status status = reader->Finish();
      std::unique_lock lock(mu_);
      std::erase(open_, &ctx);
      if (stopping_) return;
      host_.on_stream_ended(name, static_cast<int>(status.error_code()), status.error_message(), backoff);
      wake_.wait_for(lock, backoff, [&] { return stopping_; });
      if (stopping_) return;
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  }

  StreamsOptions options_;
  StreamsHost& host_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<SpiffeWorkloadAPI::Stub> stub_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<grpc::ClientContext*> open_;  // calls in progress, for the destructor to cancel
  std::vector<std::thread> threads_;
};

}  // namespace

}  // namespace gatehouse::spiffe

extern "C" __attribute__((visibility("default"))) gatehouse::spiffe::Streams* gatehouse_spiffe_start_streams(
    int abi, const gatehouse::spiffe::StreamsOptions& options, gatehouse::spiffe::StreamsHost& host) {
  if (abi != gatehouse::spiffe::kStreamsPluginAbi) return nullptr;
  try {
    return new gatehouse::spiffe::GrpcStreams(options, host);
  } catch (...) {  // e.g. std::system_error from std::thread: the host reports a failed start
    return nullptr;
  }
}
