// Strict base64url (RFC 4648 §5, no padding) as JOSE uses it: every segment of a token and
// every binary JWK member goes through here, so decoding rejects anything non-canonical.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gatehouse::auth {

std::string base64url_encode(std::string_view bytes);

// Rejects padding, characters outside the URL-safe alphabet, impossible lengths and
// non-zero trailing bits (so one byte string has exactly one accepted encoding).
Result<std::string> base64url_decode(std::string_view text);

}  // namespace gatehouse::auth
