// Command-line options of gatehouse-loadgen, the native MCP load generator.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gatehouse::bench {

enum class Era { legacy, modern };

// A request mix (--mix call:W,list:W,churn:W): out of every call+list+churn requests of a
// connection, `call` are tools/call of --tool, `list` tools/list and `churn` a new session
// opened and closed (initialize, notifications/initialized, DELETE). All zero: no mix, every
// request is --method.
struct Mix {
  unsigned call = 0;
  unsigned list = 0;
  unsigned churn = 0;
  unsigned total() const { return call + list + churn; }
};
enum class MixKind { call, list, churn };

// "call:89,list:10,churn:1" (kinds in any order, each at most once, weights 0..1000000, sum > 0).
Result<Mix> parse_mix(std::string_view spec);
// The kind of a connection's n-th request (n from 0): deterministic, in blocks of the
// weights (churn first, then list, then call), so every window of total() requests holds
// exactly the weights.
MixKind mix_kind(const Mix& m, std::uint64_t n);

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
  Mix mix;  // --mix (legacy era if it churns sessions)
};

Result<LoadOptions> parse_options(int argc, char** argv);
const char* usage();

}  // namespace gatehouse::bench
