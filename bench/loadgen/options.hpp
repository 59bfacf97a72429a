// Command-line options of gatehouse-loadgen, the native MCP load generator.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/result.hpp"

namespace gatehouse::bench {

enum class Era { legacy, modern };

struct LoadOptions {
  bool tls = false;  // https:// (the server's certificate is not verified: a benchmark peer)
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  std::string path = "/mcp";
  Era era = Era::legacy;
  int connections = 16;
  std::chrono::milliseconds duration{10'000};
  std::chrono::milliseconds warmup{1'000};
  double rate = 0;  // requests/s over all connections; 0 = closed loop (as fast as answered)
  std::string method = "tools/call";
  std::string tool = "echo";
  std::size_t payload_bytes = 16;  // size of the echoed text
  std::string bearer;              // Authorization: Bearer <token>, if set
  bool json_output = false;        // one JSON object instead of the table
  bool new_connection = false;     // one request per connection (connect, TLS handshake, close)
  bool progress = false;           // ask for progress (params._meta.progressToken): SSE answers
  // Sessions mode (legacy era): initialize this many sessions over the connections, report
  // them, hold them idle for `hold`, then make one call in each.
  std::size_t sessions = 0;
  std::chrono::milliseconds hold{3'000};
};

Result<LoadOptions> parse_options(int argc, char** argv);
const char* usage();

}  // namespace gatehouse::bench
