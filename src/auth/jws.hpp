// JWS compact serialization (RFC 7515 §7.1) for JWTs: splits and decodes a token without
// trusting any of it. Signature checks live in jws_verify.hpp; claim checks in validator.hpp.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gatehouse::auth {

inline constexpr std::size_t kMaxTokenBytes = 16 * 1024;

struct ParsedJws {
  boost::json::object header;
  boost::json::object payload;  // JWT claims set: always a JSON object
  std::string signing_input;    // ASCII(b64(header) '.' b64(payload)), what the signature covers
  std::string signature;        // raw bytes
  std::string alg;              // header "alg" (always present)
  std::string kid;              // header "kid" or empty
  std::string typ;              // header "typ" or empty
};

// Exactly three non-empty segments, strict base64url, header and payload JSON objects,
// `alg` a string, no `crit` (we implement no extensions), at most `max_bytes`.
// Errors: Errc::unauthenticated with reason jwt.malformed or jwt.too_large.
Result<ParsedJws> parse_jws(std::string_view token, std::size_t max_bytes = kMaxTokenBytes);

}  // namespace gatehouse::auth
