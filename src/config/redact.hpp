// The configuration as JSON for the admin /config dump, with every secret replaced by
// "[redacted]": session key, API key hashes, header and child-environment values, static
// upstream tokens, client secrets, the postgres DSN and passwords inside URLs.
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

#include "config/types.hpp"

namespace gatehouse::config {

inline constexpr std::string_view kRedacted = "[redacted]";

boost::json::value to_redacted_json(const Config& config);

// "redis://user:pw@h:6379/0" -> "redis://user:[redacted]@h:6379/0"; other URLs unchanged.
std::string redact_url(std::string_view url);

// "30s", "5m", "500ms": the largest unit that divides the duration.
std::string format_duration(Duration d);

}  // namespace gatehouse::config
