// Timestamps and durations: parsing, printing and range checks (see time.hpp).
#include "cel/time.hpp"
#include "cel/tzif.hpp"

#include <charconv>
#include <cstdio>
#include <limits>

namespace gatehouse::cel {

namespace {

constexpr std::int64_t kMinTimestampSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr std::int64_t kMaxTimestampSeconds = 253402300799;  // 9999-12-31T23:59:59Z
constexpr __int128 kNanos = 1'000'000'000;

// Days since 1970-01-01 of a proleptic Gregorian date (the classic era/day-of-era method).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

CivilTime civil_from_seconds(std::int64_t secs) {
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) { rem += 86400; --days; }
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  CivilTime c;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = static_cast<std::int64_t>(yoe) + era * 400 + (c.month <= 2);
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem % 3600 / 60);
  c.second = static_cast<int>(rem % 60);
  c.day_of_week = static_cast<int>((days % 7 + 11) % 7);  // 1970-01-01 was a Thursday (4)
  c.day_of_year = static_cast<int>(days - days_from_civil(c.year, 1, 1));
  return c;
}

std::optional<Timestamp> timestamp_from_nanos(__int128 nanos) {
  __int128 secs = nanos / kNanos;
  __int128 rem = nanos % kNanos;
  if (rem < 0) { rem += kNanos; --secs; }
  if (secs < kMinTimestampSeconds || secs > kMaxTimestampSeconds) return std::nullopt;
  return Timestamp{static_cast<std::int64_t>(secs), static_cast<std::int32_t>(rem)};
}

std::optional<Duration> duration_from_nanos(__int128 nanos) {
  // CEL durations are int64 nanoseconds (about +-292 years), narrower than protobuf's range.
  if (nanos < std::numeric_limits<std::int64_t>::min() || nanos > std::numeric_limits<std::int64_t>::max())
    return std::nullopt;
  const __int128 secs = nanos / kNanos;  // truncates toward zero: nanos keep the sign
  return Duration{static_cast<std::int64_t>(secs), static_cast<std::int32_t>(nanos % kNanos)};
}

std::optional<Timestamp> parse_timestamp(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  int y, mo, d, h, mi, se;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[mo - 1] || (mo == 2 && d == 29 && !leap)) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 9) { nanos = nanos * 10 + (s[pos] - '0'); ++n; }
      ++pos;
    }
    if (n == 0) return std::nullopt;
    for (; n < 9; ++n) nanos *= 10;
  }
  if (pos >= s.size()) return std::nullopt;
  std::int64_t offset = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om))
      return std::nullopt;
    offset = (s[pos] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + std::min(se, 59) - offset;
  return timestamp_from_nanos(static_cast<__int128>(secs) * kNanos + nanos);
}

std::optional<Duration> parse_duration(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration{};
  if (s.empty()) return std::nullopt;
  long double total = 0;  // nanoseconds
  while (!s.empty()) {
    std::size_t i = 0;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (i == 0) return std::nullopt;
    std::string number(s.substr(0, i));
    if (number == ".") return std::nullopt;
    long double v = std::strtold(number.c_str(), nullptr);
    s.remove_prefix(i);
    long double unit;
    if (s.starts_with("ns")) { unit = 1; s.remove_prefix(2); }
    else if (s.starts_with("us")) { unit = 1e3L; s.remove_prefix(2); }
    else if (s.starts_with("\xC2\xB5s")) { unit = 1e3L; s.remove_prefix(3); }
    else if (s.starts_with("ms")) { unit = 1e6L; s.remove_prefix(2); }
    else if (s.starts_with("s")) { unit = 1e9L; s.remove_prefix(1); }
    else if (s.starts_with("m")) { unit = 60e9L; s.remove_prefix(1); }
    else if (s.starts_with("h")) { unit = 3600e9L; s.remove_prefix(1); }
    else return std::nullopt;
    total += v * unit;
    if (total > 1e22L) return std::nullopt;
  }
  const __int128 nanos = static_cast<__int128>(total + 0.5L);
  return duration_from_nanos(negative ? -nanos : nanos);
}

std::string format_timestamp(Timestamp t) {
  const CivilTime c = civil_from_seconds(t.seconds);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d", static_cast<long long>(c.year), c.month,
                        c.day, c.hour, c.minute, c.second);
  std::string out(buf, static_cast<std::size_t>(n));
  if (t.nanos != 0) {
    if (t.nanos % 1'000'000 == 0) n = std::snprintf(buf, sizeof buf, ".%03d", t.nanos / 1'000'000);
    else if (t.nanos % 1000 == 0) n = std::snprintf(buf, sizeof buf, ".%06d", t.nanos / 1000);
    else n = std::snprintf(buf, sizeof buf, ".%09d", t.nanos);
    out.append(buf, static_cast<std::size_t>(n));
  }
  out += 'Z';
  return out;
}

std::string format_duration(Duration d) {
  std::string out;
  std::int64_t secs = d.seconds;
  std::int32_t nanos = d.nanos;
  if (secs < 0 || nanos < 0) {
    out += '-';
    secs = -secs;
    nanos = -nanos;
  }
  out += std::to_string(secs);
  if (nanos != 0) {
    char buf[16];
    int n;
    if (nanos % 1'000'000 == 0) n = std::snprintf(buf, sizeof buf, ".%03d", nanos / 1'000'000);
    else if (nanos % 1000 == 0) n = std::snprintf(buf, sizeof buf, ".%06d", nanos / 1000);
    else n = std::snprintf(buf, sizeof buf, ".%09d", nanos);
    out.append(buf, static_cast<std::size_t>(n));
  }
  out += 's';
  return out;
}

std::optional<int> zone_offset(std::string_view zone, Timestamp t) {
  if (zone == "UTC" || zone == "Z" || zone == "Etc/UTC" || zone == "GMT") return 0;
  // Fixed offsets: "+05:30", "-08:00" (also without the sign: "05:30").
  std::string_view z = zone;
  int sign = 1;
  if (!z.empty() && (z[0] == '+' || z[0] == '-')) {
    sign = z[0] == '-' ? -1 : 1;
    z.remove_prefix(1);
  }
  int h, m;
  if (z.size() == 5 && digits(z, 0, 2, h) && z[2] == ':' && digits(z, 3, 2, m) && h < 24 && m < 60)
    return sign * (h * 3600 + m * 60);
  return iana_offset(zone, t.seconds);
}

}  // namespace gatehouse::cel
