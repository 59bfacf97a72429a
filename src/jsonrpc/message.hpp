// JSON-RPC 2.0 messages as MCP uses them: one message per text (batches left MCP in
// 2025-06-18 and are rejected), ids that are strings or integers, and the standard error
// codes. Parsing is strict because the text comes from untrusted peers.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gatehouse::jsonrpc {

namespace json = boost::json;

// Standard JSON-RPC error codes.
inline constexpr std::int64_t kParseError = -32700;
inline constexpr std::int64_t kInvalidRequest = -32600;
inline constexpr std::int64_t kMethodNotFound = -32601;
inline constexpr std::int64_t kInvalidParams = -32602;
inline constexpr std::int64_t kInternalError = -32603;

enum class Kind { request, notification, response, error };

struct Message {
  Kind kind = Kind::notification;
  json::value id;      // string or integer; null for notifications (and errors without id)
  std::string method;  // requests and notifications
  json::value params;  // object or array; null when absent
  json::value result;  // responses
  json::object error;  // errors: {code, message, data?}

  bool is_request() const { return kind == Kind::request; }
  bool is_notification() const { return kind == Kind::notification; }
  bool is_reply() const { return kind == Kind::response || kind == Kind::error; }
  // params as an object (empty when absent or an array).
  const json::object& params_object() const;
};

// Parses one message. Invalid JSON: Errc::parse_error (-32700); a batch array or anything
// that is not a valid JSON-RPC 2.0 message: Errc::invalid_request (-32600).
Result<Message> parse(std::string_view text);
// Same checks on an already parsed value.
Result<Message> from_value(const json::value& v);

// The wire form of a message (members in the usual order: jsonrpc, id, method/result/error).
json::object to_object(const Message& m);
std::string serialize(const Message& m);

// Builders for the common shapes (return the wire object directly).
json::object request(const json::value& id, std::string_view method, json::value params = nullptr);
json::object notification(std::string_view method, json::value params = nullptr);
json::object response(const json::value& id, json::value result);
json::object error_response(const json::value& id, std::int64_t code, std::string_view message,
                            json::value data = nullptr);
// The JSON-RPC error for an Error from parse() or a handler (code from core/error.hpp).
json::object error_response(const json::value& id, const Error& e);

// The id of a message-shaped object if it has a valid one, else null: lets an error
// answer echo the id of a request that failed validation later on.
json::value id_of(const json::value& v);

}  // namespace gatehouse::jsonrpc
