// The Workload API endpoint address (SPIFFE Workload Endpoint spec): "unix:///path/agent.sock"
// or "tcp://127.0.0.1:8081", from the config or the SPIFFE_ENDPOINT_SOCKET variable, turned
// into the target string gRPC dials.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gatehouse::spiffe {

inline constexpr const char* kEndpointEnv = "SPIFFE_ENDPOINT_SOCKET";

// "unix:///abs/path" -> "unix:///abs/path"; "tcp://10.0.0.1:8081" -> "ipv4:10.0.0.1:8081";
// "tcp://[::1]:8081" -> "ipv6:[::1]:8081". The spec's rules: unix needs an absolute path,
// tcp an IP address (no host name) and a port; no user info, query or fragment.
// Errc::invalid_config, reason "spiffe.endpoint".
Result<std::string> grpc_target(std::string_view endpoint);

// The configured endpoint, else $SPIFFE_ENDPOINT_SOCKET; an error naming both when neither is set.
Result<std::string> resolve_endpoint(std::string_view configured);

}  // namespace gatehouse::spiffe
