// The error every module returns for what untrusted input (or the outside world) can cause.
// One enum of kinds, mapped once to an HTTP status, a JSON-RPC code and a stable log reason;
// modules keep their own detail in `message` and, where clients need it, `reason`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gatehouse {

enum class Errc : std::uint8_t {
  bad_request,             // malformed framing or headers: 400
  parse_error,             // body is not valid JSON: 400 / -32700
  invalid_request,         // JSON but not a valid JSON-RPC request: 400 / -32600
  method_not_found,        // -32601
  invalid_params,          // -32602
  not_found,               // unknown session, route or object: 404
  unauthenticated,         // 401
  forbidden,               // 403
  payload_too_large,       // 413
  unsupported_media_type,  // 415
  not_acceptable,          // 406
  method_not_allowed,      // 405
  rate_limited,            // 429
  timeout,                 // 504
  unavailable,             // upstream or dependency down: 502/503
  conflict,                // 409
  invalid_config,          // rejected configuration (never on the data plane)
  internal,                // a bug or resource exhaustion: 500 / -32603
};

struct Error {
  Errc code = Errc::internal;
  std::string message;  // human readable, safe to show to the client (never a secret)
  std::string reason;   // optional machine token for logs, e.g. "jwt.expired"

  Error() = default;
  Error(Errc c, std::string msg, std::string why = {})
      : code(c), message(std::move(msg)), reason(std::move(why)) {}
};

int http_status(Errc code);
int jsonrpc_code(Errc code);
std::string_view to_string(Errc code);

// The reason for logs: the module's own token when it gave one, else the kind.
inline std::string_view log_reason(const Error& e) {
  return e.reason.empty() ? to_string(e.code) : std::string_view(e.reason);
}

}  // namespace gatehouse
