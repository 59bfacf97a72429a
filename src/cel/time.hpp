// Timestamps and durations for CEL: RFC 3339 and Go-style duration parsing and printing,
// checked arithmetic within CEL's ranges (years 1..9999, +-10000 years), and calendar
// getters in UTC, a fixed offset ("+05:30") or an IANA zone read from the system tzdata.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cel/value.hpp"
#include "core/result.hpp"

namespace gatehouse::cel {

std::optional<Timestamp> parse_timestamp(std::string_view s);
std::optional<Duration> parse_duration(std::string_view s);
std::string format_timestamp(Timestamp t);
std::string format_duration(Duration d);

// Range-checked constructors from a nanosecond count; nullopt when out of range.
std::optional<Timestamp> timestamp_from_nanos(__int128 nanos);
std::optional<Duration> duration_from_nanos(__int128 nanos);
inline __int128 to_nanos(Timestamp t) { return static_cast<__int128>(t.seconds) * 1'000'000'000 + t.nanos; }
inline __int128 to_nanos(Duration d) { return static_cast<__int128>(d.seconds) * 1'000'000'000 + d.nanos; }

// Calendar fields of an instant in UTC (day_of_week: 0 = Sunday; day_of_year: 0-based).
struct CivilTime {
  std::int64_t year = 1970;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0, day_of_week = 4, day_of_year = 0;
};
CivilTime civil_from_seconds(std::int64_t seconds);

// The UTC offset in seconds of `zone` at instant `t`; nullopt for an unknown zone.
std::optional<int> zone_offset(std::string_view zone, Timestamp t);

}  // namespace gatehouse::cel
