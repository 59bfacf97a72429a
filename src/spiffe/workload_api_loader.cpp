// Finds and loads the gRPC plugin (libgatehouse_spiffe_grpc.so) the first time a Workload API
// client starts, so a gateway that never uses the Workload API never maps gRPC at all.
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "core/log.hpp"
#include "spiffe/workload_api_plugin.hpp"

namespace gatehouse::spiffe {

namespace {

constexpr const char* kPluginFile = "libgatehouse_spiffe_grpc.so";

struct Loaded {
  StartStreamsFn start = nullptr;
  std::string error;  // when start is null
};

std::mutex mu;
StartStreamsFn linked = nullptr;  // use_linked_streams()
StartStreamsFn loaded = nullptr;  // the plugin, once loaded (a failure is retried next start)

// Where to look, in order: the env override alone when set; else next to the executable
// (an installed layout), then where the build tree put it.
std::vector<std::string> candidates() {
  if (const char* env = std::getenv("GATEHOUSE_SPIFFE_PLUGIN"); env && *env) return {env};
  std::vector<std::string> out;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back((exe.parent_path() / kPluginFile).string());
#ifdef GATEHOUSE_SPIFFE_PLUGIN_PATH
  if (std::find(out.begin(), out.end(), GATEHOUSE_SPIFFE_PLUGIN_PATH) == out.end())
    out.push_back(GATEHOUSE_SPIFFE_PLUGIN_PATH);
#endif
  return out;
}

Loaded load() {
  Loaded result;
  std::string tried;
  for (const auto& path : candidates()) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      tried += (tried.empty() ? "" : ", ") + path + " (not found)";
      continue;
    }
    // RTLD_LOCAL: gRPC's and protobuf's symbols stay out of the global namespace.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      tried += (tried.empty() ? "" : ", ") + path + " (" + dlerror() + ")";
      continue;
    }
    auto start = reinterpret_cast<StartStreamsFn>(dlsym(handle, kStartStreamsSymbol));
    if (!start) {
      tried += (tried.empty() ? "" : ", ") + path + " (no " + kStartStreamsSymbol + ")";
      continue;  // never dlclose: cheap to keep, and unloading gRPC is not safe
    }
    log::info("spiffe.plugin_loaded", {{"path", path}});
    result.start = start;
    return result;
  }
#ifdef GATEHOUSE_SPIFFE_PLUGIN_PATH
  result.error = "the SPIFFE Workload API plugin could not be loaded: tried " + tried +
                 " (set GATEHOUSE_SPIFFE_PLUGIN to its path)";
#else
  result.error = "this gatehouse was built without gRPC: the SPIFFE Workload API is not available "
                 "(install libgrpc++-dev protobuf-compiler-grpc and rebuild); tried " + tried;
#endif
  return result;
}

}  // namespace

void use_linked_streams(StartStreamsFn fn) {
  std::lock_guard lock(mu);
  linked = fn;
}

Result<std::unique_ptr<Streams>> start_streams(const StreamsOptions& options, StreamsHost& host) {
  StartStreamsFn start;
  {
    std::lock_guard lock(mu);
    if (!linked && !loaded) {
      auto result = load();
      if (!result.start) return fail(Errc::invalid_config, result.error, "spiffe.unavailable");
      loaded = result.start;
    }
    start = linked ? linked : loaded;
  }
  Streams* streams = start(kStreamsPluginAbi, options, host);
  if (!streams)
    return fail(Errc::internal, "the SPIFFE Workload API plugin refused to start (version mismatch or no threads)",
                "spiffe.unavailable");
  return std::unique_ptr<Streams>(streams);
}

}  // namespace gatehouse::spiffe
