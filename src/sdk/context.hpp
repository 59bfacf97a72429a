// What a tool, resource or prompt handler can do besides returning its result: send
// logging and progress notifications for its request, see cancellation, ask the client
// (sampling, elicitation, roots) in the session era, or read the answers to an earlier
// input-required result in the 2026-07-28 era (multi round-trip requests).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "mcp/protocol.hpp"
#include "sdk/session.hpp"

namespace gatehouse::sdk {

class Context {
 public:
  Context(std::shared_ptr<Session> session, std::shared_ptr<Outbound> out, json::value request_id,
          json::object params, std::shared_ptr<InFlight> state);

  mcp::Era era() const { return session_->era(); }
  const json::value& request_id() const { return request_id_; }
  // The request's params._meta (progressToken, the 2026-07-28 envelope...).
  const json::object& meta() const { return meta_; }
  const json::object& client_capabilities() const { return session_->client_capabilities; }
  Session& session() { return *session_; }

  // notifications/message for this request, filtered by logging/setLevel.
  void log(std::string_view level, json::value data, std::string_view logger = {});
  // notifications/progress, only when the request carried a progressToken.
  void progress(double progress, std::optional<double> total = std::nullopt, std::string_view message = {});
  // Any notification, sent on this request's stream.
  void notify(std::string_view method, json::object params);
  // True once the client sent notifications/cancelled for this request (or left).
  bool cancelled() const { return state_->cancelled; }
  // SEP-1699: close the SSE stream now; later messages wait for the client to reconnect.
  void close_stream() { out_->close_stream(); }

  // Session era: a server-to-client request (errors: the client's error, timeout, or the
  // 2026-07-28 era, where servers may not send requests).
  asio::awaitable<Result<json::value>> request(std::string_view method, json::object params);
  asio::awaitable<Result<json::value>> create_message(json::object params) {
    return request("sampling/createMessage", std::move(params));
  }
  asio::awaitable<Result<json::value>> elicit(json::object params) {
    return request("elicitation/create", std::move(params));
  }

  // 2026-07-28: the client's answer to input request `key` of an earlier input-required
  // result (params.inputResponses[key]), or null.
  const json::value* input_response(std::string_view key) const;

 private:
  std::shared_ptr<Session> session_;
  std::shared_ptr<Outbound> out_;
  json::value request_id_;
  json::object params_;
  json::object meta_;
  std::shared_ptr<InFlight> state_;
};

// Results a handler builds often.
json::object text_result(std::string_view text);           // CallToolResult with one text block
json::object tool_error(std::string_view text);            // ... with isError: true
// 2026-07-28 multi round-trip: "ask the client these, then retry the call".
json::object input_required(json::object input_requests);
json::object sampling_input(json::object params);          // {method: sampling/createMessage, params}
json::object elicitation_input(json::object params);       // {method: elicitation/create, params (mode: form)}

}  // namespace gatehouse::sdk
