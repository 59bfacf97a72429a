#include "core/error.hpp"

namespace gatehouse {

int http_status(Errc code) {
  switch (code) {
    case Errc::bad_request:
    case Errc::parse_error:
    case Errc::invalid_request:
    case Errc::invalid_params:
    case Errc::invalid_config: return 400;
    case Errc::method_not_found:
    case Errc::not_found: return 404;
    case Errc::unauthenticated: return 401;
    case Errc::forbidden: return 403;
    case Errc::payload_too_large: return 413;
    case Errc::unsupported_media_type: return 415;
    case Errc::not_acceptable: return 406;
    case Errc::method_not_allowed: return 405;
    case Errc::rate_limited: return 429;
    case Errc::timeout: return 504;
    case Errc::unavailable: return 502;
    case Errc::conflict: return 409;
    case Errc::internal: return 500;
  }
  return 500;
}

int jsonrpc_code(Errc code) {
  switch (code) {
    case Errc::parse_error: return -32700;
    case Errc::bad_request:
    case Errc::invalid_request: return -32600;
    case Errc::method_not_found: return -32601;
    case Errc::invalid_params: return -32602;
    case Errc::internal: return -32603;
    default: return -32000;  // implementation-defined server error
  }
}

std::string_view to_string(Errc code) {
  switch (code) {
    case Errc::bad_request: return "bad_request";
    case Errc::parse_error: return "parse_error";
    case Errc::invalid_request: return "invalid_request";
    case Errc::method_not_found: return "method_not_found";
    case Errc::invalid_params: return "invalid_params";
    case Errc::not_found: return "not_found";
    case Errc::unauthenticated: return "unauthenticated";
    case Errc::forbidden: return "forbidden";
    case Errc::payload_too_large: return "payload_too_large";
    case Errc::unsupported_media_type: return "unsupported_media_type";
    case Errc::not_acceptable: return "not_acceptable";
    case Errc::method_not_allowed: return "method_not_allowed";
    case Errc::rate_limited: return "rate_limited";
    case Errc::timeout: return "timeout";
    case Errc::unavailable: return "unavailable";
    case Errc::conflict: return "conflict";
    case Errc::invalid_config: return "invalid_config";
    case Errc::internal: return "internal";
  }
  return "internal";
}

}  // namespace gatehouse
