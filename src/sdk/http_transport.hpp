// Streamable HTTP for an sdk::Server on one endpoint path, both eras decided per request
// (mcp::classify): 2025 sessions (initialize, Mcp-Session-Id, SSE answers with event ids
// and Last-Event-ID resumability, GET stream, DELETE) and the stateless 2026-07-28 era
// (header/body checks, server/discover, input-required results). Also the legacy
// 2024-11-05 HTTP+SSE transport (GET /sse, POST /messages?sessionId=).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "mcp/origin.hpp"
#include "net/http_server.hpp"
#include "sdk/server.hpp"

namespace gatehouse::sdk {

struct HttpOptions {
  std::string path = "/mcp";
  mcp::OriginPolicy origins{};
  std::size_t max_sessions = 1024;
  // A session unused this long (no request, no open stream) is closed: clients that never
  // DELETE do not pile up. At max_sessions, the least recently used one idle for a minute
  // makes room for a new one (its client gets 404 and initializes again).
  std::chrono::seconds session_idle_timeout{3600};
  std::size_t max_events_per_stream = 1000;  // bound of the resumability log
};

// The net::Handler serving Streamable HTTP (both eras) for `server` (which must outlive it).
net::Handler streamable_http_handler(Server& server, HttpOptions options = {});
// The net::Handler serving the legacy HTTP+SSE transport.
net::Handler legacy_sse_handler(Server& server, HttpOptions options = {});

// 128 random bits as hex, for session ids.
std::string random_id();

}  // namespace gatehouse::sdk
