// MCP protocol facts shared by the SDK and the gateway, with no I/O: the protocol versions
// and their eras, the per-request era decision of the 2026-07-28 versioning rules, and the
// checks that a 2026-07-28 request's headers (MCP-Protocol-Version, Mcp-Method, Mcp-Name)
// agree with its body.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jsonrpc/message.hpp"

namespace gatehouse::mcp {

namespace json = boost::json;

// The session era (initialize handshake, Mcp-Session-Id) and the modern stateless era.
enum class Era { session, modern };

inline constexpr std::string_view kModernVersion = "2026-07-28";
inline constexpr std::string_view kLatestSessionVersion = "2025-11-25";
inline constexpr std::string_view kLegacySseVersion = "2024-11-05";

// Versions served with the initialize handshake, oldest first.
const std::vector<std::string>& session_versions();
// Versions served statelessly (2026-07-28 and later revisions we know).
const std::vector<std::string>& modern_versions();
bool is_session_version(std::string_view v);
bool is_modern_version(std::string_view v);
// A version string that names a modern-era revision by date, known or not ("2099-01-01").
bool looks_modern(std::string_view v);
// The version an initialize answers with: the client's if served, else the latest.
std::string negotiate_session_version(std::string_view requested);

// Error codes of the 2026-07-28 revision.
inline constexpr std::int64_t kHeaderMismatch = -32020;
inline constexpr std::int64_t kUnsupportedProtocolVersion = -32022;
// The MRTR result type and the per-request _meta keys of 2026-07-28.
inline constexpr std::string_view kMetaProtocolVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr std::string_view kMetaClientInfo = "io.modelcontextprotocol/clientInfo";
inline constexpr std::string_view kMetaClientCapabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr std::string_view kMetaServerInfo = "io.modelcontextprotocol/serverInfo";

// The headers the era rules look at (absent: nullopt), independent of any HTTP library.
struct RequestHeaders {
  std::optional<std::string> protocol_version{};  // MCP-Protocol-Version
  std::optional<std::string> method{};            // Mcp-Method
  std::optional<std::string> name{};              // Mcp-Name
};

// The version a body claims through params._meta (the modern envelope), if any.
std::optional<std::string> envelope_version(const json::value& body);

// Decides the era of one HTTP request. `body` is the parsed JSON body (null when there is
// none or it is not JSON). Modern when the body carries the envelope claim or the
// MCP-Protocol-Version header names a modern revision; session otherwise (initialize,
// session traffic, batches, posted responses, unparseable bodies).
Era classify(const RequestHeaders& headers, const json::value& body);

// Why a modern request is refused: HTTP status and the JSON-RPC error it carries.
struct Rejection {
  int http_status = 400;
  std::int64_t code = jsonrpc::kInvalidRequest;
  std::string message{};
  json::value data{};
};

// The 2026-07-28 validation ladder for a request classified modern: envelope present and
// well formed, header and envelope versions agree, version served, no initialize, Mcp-Method
// equals the body's method, Mcp-Name equals params.name / params.uri where required.
std::optional<Rejection> check_modern_request(const RequestHeaders& headers,
                                              const jsonrpc::Message& message);

// The value an Mcp-Name / Mcp-Method header carries: plain, or the base64 sentinel form
// "=?base64?...?=" used for values that are not plain ASCII. nullopt: bad encoding.
std::optional<std::string> decode_header_value(std::string_view raw);

// The body field the Mcp-Name header mirrors for `method` ("name" or "uri"), or empty.
std::string_view name_field(std::string_view method);

}  // namespace gatehouse::mcp
