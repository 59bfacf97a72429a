// The relay for the session (2025) era: what each MCP method does across the targets of a
// route. initialize and */list fan out in parallel and merge; calls route by prefix or URI
// to one target; answers stream back as they come (JSON when the first message is the
// response, SSE otherwise). Works on one parsed message; knows nothing of HTTP checks.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <string>
#include <utility>
#include <vector>

#include "gateway/gateway_config.hpp"
#include "gateway/policy_chain.hpp"
#include "gateway/principal_limits.hpp"
#include "gateway/request_record.hpp"
#include "gateway/session_codec.hpp"
#include "gateway/upstream_pool.hpp"
#include "net/http_server.hpp"

namespace gatehouse::gateway {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The protocol versions of the session era the gateway speaks, oldest first.
std::span<const std::string_view> legacy_versions();

struct RelayContext {
  net::Exchange& exchange;
  const RouteSpec& route;
  std::vector<std::string> target_names;
  bool prefix = false;
  UpstreamPools& pools;
  const SessionCodec& codec;
  std::chrono::seconds session_ttl{24 * 3600};
  std::string principal;
  Headers response_headers;  // from the policy chain
  Headers forward_headers;   // to the upstream (never Authorization)
  std::string server_version = "0.1.0";
  // The chain and the request it saw, for list filtering (nullptr: no filtering).
  // Serving a 2026-07-28 request (stateless: every target of the route, no sessions).
  bool modern = false;
  const PolicyChain* chain = nullptr;
  const PolicyRequest* policy_request = nullptr;
  // Sessions per principal (nullptr: not counted). `limit_key` is the principal, or the
  // client address for unauthenticated callers.
  PrincipalLimits* limits = nullptr;
  PrincipalLimitsSpec limit_spec;
  std::string limit_key;
  std::string session_id;  // as the client sent it (session requests)
  RequestRecord* record = nullptr;  // upstream call timings go here (nullptr: not recorded)
  // The name (or URI) of the request as the client sent it: binds a wrapped requestState.
  std::string request_name;
};

// Each returns after answering the exchange.
asio::awaitable<void> relay_initialize(RelayContext& ctx, boost::json::object message);
asio::awaitable<void> relay_request(RelayContext& ctx, const SessionState& session,
                                    boost::json::object message);
// Client notifications and responses to server->client requests: 202.
asio::awaitable<void> relay_client_message(RelayContext& ctx, const SessionState& session,
                                           boost::json::object message);
// A 2026-07-28 request or notification: server/discover fans out and merges, the rest is
// relayed as in the session era over every target of the route, without sessions.
asio::awaitable<void> relay_modern(RelayContext& ctx, boost::json::object message);
asio::awaitable<void> relay_server_stream(RelayContext& ctx, const SessionState& session);
asio::awaitable<void> relay_delete(RelayContext& ctx, const SessionState& session);

// Response helpers shared with the front end.
net::Response json_response(unsigned status, const boost::json::value& body, const Headers& headers);
// (An object body is written as it is: through the value overload it would be copied first.)
net::Response json_response(unsigned status, const boost::json::object& body, const Headers& headers);
boost::json::object jsonrpc_error(const boost::json::value& id, int code, std::string_view message);
// An error before dispatch (framing, session): its HTTP status and a JSON-RPC error body.
asio::awaitable<void> respond_error(net::Exchange& ex, const Error& error, const Headers& headers,
                                    const boost::json::value& id = nullptr);
// A message event with `message` written as its data.
std::string sse_event(const boost::json::object& message, std::string_view id = {});
// An SSE event with an id and no data (SEP-1699 priming: a position to resume from).
std::string sse_priming_event(std::string_view id);
// A retry field alone (the client's reconnection delay, ms).
std::string sse_retry(std::uint64_t ms);

}  // namespace gatehouse::gateway
