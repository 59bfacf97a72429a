// Defence in depth for logs: whatever a caller puts in a log field, text that looks like a
// credential is replaced before it is written. Headers are already filtered by an allow
// list; this catches tokens that leak through other fields (a tool name, an error message).
#pragma once

#include <string>
#include <string_view>

namespace gatehouse::observe {

// Replaces "Bearer <token>" / "Basic <creds>" / "DPoP <token>" (any case) with
// "<Scheme> [redacted]", JWT-shaped strings (eyJ... three base64url segments) with
// "[redacted-jwt]", and the values of access_token=, refresh_token=, id_token=,
// client_secret=, api_key=, password= with "[redacted]". Text without any of these is
// returned unchanged.
std::string scrub_secrets(std::string_view text);
// False when scrub_secrets would return the text unchanged (no copy made): the common case,
// checked first by the log writers.
bool may_hold_secret(std::string_view text);

// The short, stable tag logged instead of a session id: 12 hex digits of its SHA-256.
// Lines about one session can be joined without the log holding a usable session id.
std::string session_tag(std::string_view session_id);

}  // namespace gatehouse::observe
