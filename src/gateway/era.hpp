// Which era a POSTed message belongs to, decided per request as the SDK does (the body's
// `_meta` envelope claim first, the MCP-Protocol-Version header as a cross-check), and the
// 2026-07-28 consistency rules: Mcp-Method and Mcp-Name must agree with the body.
// Pure functions, no I/O.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "gateway/policy_chain.hpp"

namespace gatehouse::gateway {

inline constexpr std::string_view kEnvelopeVersionKey = "io.modelcontextprotocol/protocolVersion";
inline constexpr int kHeaderMismatch = -32020;
inline constexpr int kUnsupportedVersion = -32022;

// A refusal before dispatch: HTTP status and the JSON-RPC error to answer with.
struct EraRejection {
  unsigned status = 400;
  int code = kHeaderMismatch;
  std::string message;
  boost::json::object data;
};

struct EraHeaders {
  std::string_view protocol_version;  // MCP-Protocol-Version
  std::string_view method;            // Mcp-Method ("" when absent)
  std::string_view name;              // Mcp-Name
  bool has_method = false;
  bool has_name = false;
};

// `message` is a parsed JSON-RPC object. Sets `era`; returns the rejection when the
// request claims the modern era but breaks its rules.
std::optional<EraRejection> classify_era(const EraHeaders& headers, const boost::json::object& message,
                                         Era& era);

// The body value Mcp-Name must carry for `method` (params.name or params.uri); nullopt when
// the method has none.
std::optional<std::string_view> name_in_body(std::string_view method, const boost::json::object& message);

}  // namespace gatehouse::gateway
