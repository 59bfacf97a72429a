// One interface for every way of reaching a target (stdio child, Streamable HTTP, legacy
// SSE): send a JSON-RPC request and read what comes back for it as a stream (notifications,
// server->client requests, then the response), send notifications and responses, open the
// server-initiated stream, end the upstream session.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::gateway {

namespace asio = boost::asio;

// What a call carries besides the message: the upstream session it belongs to and the
// headers the relay forwards (never the client's Authorization).
struct UpstreamCall {
  std::string session_id;        // upstream session id; empty: none
  std::string protocol_version;  // MCP-Protocol-Version towards this target
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{30'000};
  // SSE priming events (an id with no data, SEP-1699) come out of next() as empty objects,
  // so the relay can pass them on; every other caller leaves this off and never sees them.
  bool relay_priming = false;
};

class MessageStream {
 public:
  virtual ~MessageStream() = default;
  // Next message for this call; nullopt after the final response (or the end of a server
  // stream). Errc::not_found: the upstream lost the session; unavailable/timeout: the
  // target failed.
  virtual asio::awaitable<Result<std::optional<boost::json::object>>> next() = 0;
  // The upstream session id the target assigned in this exchange (initialize), if any.
  virtual std::string session_id() const { return {}; }
  // The SSE event id of the message next() returned last ("" when it had none), for
  // Last-Event-ID resumption through the gateway.
  virtual std::string last_event_id() const { return {}; }
  // The reconnection delay the target asked for on this stream (SSE retry, ms; 0 = none).
  virtual std::uint64_t retry_ms() const { return 0; }
  // true when next() has a message at hand (no I/O to wait for), so the relay can write
  // what it has so far together with it.
  virtual bool buffered() const { return false; }
};

// The answer of an initialize the transport did itself (stdio children are initialized once
// by the gateway and shared), so the relay does not send another.
struct CachedInitialize {
  boost::json::object result;
};

class Upstream {
 public:
  virtual ~Upstream() = default;

  virtual asio::awaitable<Result<std::unique_ptr<MessageStream>>> request(
      UpstreamCall call, boost::json::object message) = 0;
  // Notifications and responses to server->client requests: no answer expected.
  virtual asio::awaitable<Status> send(UpstreamCall call, boost::json::object message) = 0;
  // The server-initiated stream (GET); nullopt-ending stream when the target has none.
  virtual asio::awaitable<Result<std::unique_ptr<MessageStream>>> open_stream(UpstreamCall call) = 0;
  // DELETE of the upstream session; a no-op where sessions do not exist.
  virtual asio::awaitable<Status> close_session(UpstreamCall call) = 0;

  // Set when the transport owns the upstream's lifecycle (stdio) and already initialized it.
  virtual std::optional<CachedInitialize> cached_initialize() const { return std::nullopt; }
  // At shutdown, on the upstream's own loop: close long-lived connections (legacy SSE
  // streams) so the loop can run out of work.
  virtual void shutdown() {}
};

// Reads a whole request's stream to its response, dropping everything else (used for
// fan-out where intermediate messages have nowhere to go).
asio::awaitable<Result<boost::json::object>> read_response(MessageStream& stream);

}  // namespace gatehouse::gateway
