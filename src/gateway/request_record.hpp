// What the front end learned about one request, handed to an observer when the request is
// over (the app writes the access log line and the request metrics from it). The gateway
// itself knows no log format and no metrics library.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/http_server.hpp"

namespace gatehouse::gateway {

inline std::uint64_t unix_now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

// One timed step of a request (a policy stage, or a call to a target): child spans and the
// upstream latency histogram are made from these.
struct TimedStep {
  std::string name;    // the policy's name, or the JSON-RPC method sent upstream
  std::string target;  // upstream calls: the target
  std::uint64_t start_ns = 0;  // Unix epoch nanoseconds
  std::uint64_t end_ns = 0;
  bool ok = true;
  std::string error;  // a reason token when !ok
};

struct RequestRecord {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::string listener;
  std::string route;          // the route's name ("" when no route matched)
  std::string http_method;
  std::string mcp_method;     // JSON-RPC method ("" for responses, GET and DELETE)
  std::string name;           // params.name / params.uri as the client sent it
  std::string target;         // resolved target, when known
  std::string tool;           // upstream tool / prompt name or resource URI
  std::string principal;      // stable principal key ("" when anonymous)
  std::string session;        // raw session id (request header, or the one issued): log a tag only
  std::string authn_outcome;  // ok / missing / invalid / insufficient_scope ("" when no authn)
  std::string subject;        // authenticated subject ("" when anonymous)
  std::string authn_provider;  // jwt / introspection / api_key / none
  std::string decision;       // allow / deny / limited ("" when no policy decided)
  std::string decision_rule;  // the rule or stage that decided
  std::string decision_reason;
  bool rate_limited = false;
  std::vector<TimedStep> stages;          // policies run, in order
  std::vector<TimedStep> upstream_calls;  // each call to a target (fan-out: one per target)
  bool streamed = false;      // answered with an SSE stream
  int status = 0;             // HTTP status sent (0: the client left before any answer)
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  boost::asio::ip::tcp::endpoint remote;
  const net::Request* request = nullptr;  // valid only during the observer calls
  // Set by the start observer (tracing): the traceparent sent to upstreams, and whatever
  // the observers keep for the request (e.g. its span) until the done observer.
  std::string upstream_traceparent;
  std::shared_ptr<void> observer_state;
};

// Called once per request on the connection's thread, after the answer ended. Must not block.
using RequestObserver = std::function<void(const RequestRecord&)>;
// Called when a request arrives, before anything else (may fill upstream_traceparent and
// observer_state). Must not block.
using RequestStartObserver = std::function<void(RequestRecord&)>;

}  // namespace gatehouse::gateway
