// Small hashing helpers shared by the token cache, API keys and the principal key.
#pragma once

#include <string>
#include <string_view>

namespace gatehouse::auth {

std::string sha256(std::string_view data);  // 32 raw bytes
// sha256(first + second) without joining them first.
std::string sha256(std::string_view first, std::string_view second);
std::string to_hex(std::string_view bytes);  // lowercase
// Lowercase or uppercase hex to bytes; empty optional-like result ("" and ok=false) on error.
bool from_hex(std::string_view hex, std::string& out);
// Constant time for equal lengths (lengths are not secret here: both are SHA-256 sizes).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace gatehouse::auth
