// The UTC offset of an IANA time zone ("Australia/Sydney") at an instant, from the system tz
// database; nullopt for an unknown or malformed name.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace gatehouse::cel {

std::optional<int> iana_offset(std::string_view name, std::int64_t unix_seconds);

}  // namespace gatehouse::cel
