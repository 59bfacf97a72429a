// The boundary between WorkloadApiClient (linked into gatehouse) and its gRPC side, which is
// a plugin (libgatehouse_spiffe_grpc.so) loaded with dlopen only when a client starts: gRPC,
// protobuf and absl cost ~6 MB of RSS at load, and most deployments never use the Workload API.
// Both sides are built by the same compiler from this tree, so plain C++ crosses the boundary;
// only virtual calls and the one extern "C" factory do, never symbols of the gatehouse libraries.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::spiffe {

// Bumped whenever anything in this header changes shape.
inline constexpr int kStreamsPluginAbi = 1;

// One X509SVID message as received (nothing checked yet: the host checks).
struct WireX509Svid {
  std::string spiffe_id, x509_svid, x509_svid_key, bundle, hint;
};
struct WireX509Update {
  std::vector<WireX509Svid> svids;
  std::map<std::string, std::string> federated_bundles;  // trust domain ID -> DER certificates
};
using WireBundles = std::map<std::string, std::string>;  // trust domain ID -> DER or JWKS

// Implemented by the host; called on the plugin's stream threads.
class StreamsHost {
 public:
  virtual void on_x509_svid(WireX509Update update) = 0;
  virtual void on_x509_bundles(WireBundles bundles) = 0;
  virtual void on_jwt_bundles(WireBundles bundles) = 0;
  virtual void on_reconnect() = 0;
  virtual void on_stream_ended(const char* stream, int code, const std::string& error,
                               std::chrono::milliseconds retry) = 0;

 protected:
  ~StreamsHost() = default;
};

struct StreamsOptions {
  std::string target;  // as gRPC dials it
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  bool x509_bundles = true;
  bool jwt_bundles = true;
};

// The running streams; destroying it cancels them and joins their threads.
class Streams {
 public:
  virtual ~Streams() = default;
};

// The plugin's single export. `host` must outlive the returned object.
using StartStreamsFn = Streams* (*)(int abi, const StreamsOptions& options, StreamsHost& host);
inline constexpr const char* kStartStreamsSymbol = "gatehouse_spiffe_start_streams";

// Starts the streams through the plugin, loading it on first use (once per process, never
// unloaded: gRPC keeps threads of its own). Lookup: $GATEHOUSE_SPIFFE_PLUGIN if set, else
// next to the running executable, else the path the build tree put it at.
Result<std::unique_ptr<Streams>> start_streams(const StreamsOptions& options, StreamsHost& host);

// For tests that link the gRPC side into their own binary (a second copy of the generated
// protobuf code in one process aborts): use `fn` instead of loading the plugin.
void use_linked_streams(StartStreamsFn fn);

}  // namespace gatehouse::spiffe

// Defined by the plugin (workload_api_streams.cpp); declared here for tests that link it in.
extern "C" gatehouse::spiffe::Streams* gatehouse_spiffe_start_streams(int abi,
                                                                    const gatehouse::spiffe::StreamsOptions& options,
                                                                    gatehouse::spiffe::StreamsHost& host);
