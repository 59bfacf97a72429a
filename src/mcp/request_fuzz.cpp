// Fuzz target: what an HTTP request brings to src/mcp, all untrusted. The input is split at
// newlines into MCP-Protocol-Version, Mcp-Method, Mcp-Name, Origin and Host values ("-" means
// absent), the rest is the body. Exercises the header decoding, the Origin/Host checks, the
// era decision and the 2026-07-28 validation ladder.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/parse.hpp>

#include "jsonrpc/message.hpp"
#include "mcp/origin.hpp"
#include "mcp/protocol.hpp"

namespace {

std::optional<std::string> next_field(std::string_view& in) {
  auto nl = in.find('\n');
  std::string_view v = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  if (v == "-") return std::nullopt;
  return std::string(v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gatehouse;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  mcp::RequestHeaders h;
  h.protocol_version = next_field(in);
  h.method = next_field(in);
  h.name = next_field(in);
  auto origin = next_field(in);
  auto host = next_field(in);

  mcp::OriginPolicy policy;
  if (origin) (void)mcp::origin_allowed(policy, *origin);
  if (host) (void)mcp::host_allowed(policy, *host);
  if (h.method) (void)mcp::decode_header_value(*h.method);
  if (h.name) (void)mcp::decode_header_value(*h.name);

  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(in, ec);
  if (ec) body = nullptr;
  const mcp::Era era = mcp::classify(h, body);
  auto m = jsonrpc::from_value(body);
  if (m.ok() && m->is_request() && era == mcp::Era::modern) {
    if (auto rejected = mcp::check_modern_request(h, *m)) {
      // A refusal always carries an HTTP error status and a message for the client.
      assert(rejected->http_status >= 400 && !rejected->message.empty());
      (void)rejected;
    }
  }
  return 0;
}
