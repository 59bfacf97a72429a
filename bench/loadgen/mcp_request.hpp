// The MCP requests gatehouse-loadgen sends (JSON-RPC body and HTTP headers, either era) and
// how it judges an answer. Kept apart from the I/O so they can be unit-tested.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/http.hpp>

#include "bench/loadgen/options.hpp"

namespace gatehouse::bench {

// (The same aliases as connection.hpp, without pulling in TLS.)
using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

inline constexpr const char* kModernVersion = "2026-07-28";
inline constexpr const char* kLegacyVersion = "2025-11-25";

// The JSON-RPC request `id` for opts.method (tools/call carries opts.tool and a text of
// opts.payload_bytes); _meta holds the progressToken (--progress) and the modern envelope.
std::string request_body(const LoadOptions& o, std::uint64_t id);
// The HTTP POST carrying `body`; `session` is the legacy Mcp-Session-Id ("" before initialize).
Request make_request(const LoadOptions& o, std::string body, const std::string& session, std::string_view method);
// The DELETE that ends legacy session `session` (--mix churn).
Request make_delete(const LoadOptions& o, const std::string& session);
// A session ended: any 2xx (servers answer 200, 202 or 204 without a body).
bool is_deleted(const Response& res);
// A JSON-RPC success: 200/202 and the body (JSON or SSE) carries "result" and no "error".
bool is_success(const Response& res);

}  // namespace gatehouse::bench
