// IANA time zones for CEL's timestamp getters, read from the system's compiled tz database
// (/usr/share/zoneinfo, TZif format, RFC 8536). Hand-written because libstdc++ 12 has no
// std::chrono::tzdb; only the 64-bit transition table is read (Debian ships "fat" files
// with explicit transitions through 2037), each zone once, then cached.
#include "cel/tzif.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <vector>

namespace gatehouse::cel {

namespace {

struct Zone {
  std::vector<std::int64_t> transitions;  // seconds since the epoch, ascending
  std::vector<int> offset_after;          // UTC offset in force from each transition
  int initial_offset = 0;                 // before the first transition
};

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
std::int64_t be64(const unsigned char* p) {
  return static_cast<std::int64_t>((std::uint64_t{be32(p)} << 32) | be32(p + 4));
}

bool safe_zone_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.find("..") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '_' ||
           c == '-' || c == '+';
  });
}

std::optional<Zone> load(std::string_view name) {
  std::ifstream in("/usr/share/zoneinfo/" + std::string(name), std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<unsigned char> d((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto header = [&](std::size_t at, std::uint32_t (&c)[6]) {
    if (at + 44 > d.size() || d[at] != 'T' || d[at + 1] != 'Z' || d[at + 2] != 'i' || d[at + 3] != 'f') return false;
    for (int i = 0; i < 6; ++i) c[i] = be32(&d[at + 20 + 4 * i]);  // isutc isstd leap time type char
    return true;
  };
  std::uint32_t c[6];
  if (!header(0, c)) return std::nullopt;
  const int version = d[4];
  std::size_t at = 0;
  int time_size = 4;
  if (version >= '2') {  // skip the 32-bit block to the 64-bit one
    at = 44 + c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (!header(at, c)) return std::nullopt;
    time_size = 8;
  }
  const std::uint32_t timecnt = c[3], typecnt = c[4];
  std::size_t p = at + 44;
  if (typecnt == 0 || p + timecnt * (time_size + 1) + typecnt * 6 > d.size()) return std::nullopt;
  Zone z;
  std::vector<std::uint8_t> idx(timecnt);
  for (std::uint32_t i = 0; i < timecnt; ++i)
    z.transitions.push_back(time_size == 8 ? be64(&d[p + i * 8]) : static_cast<std::int32_t>(be32(&d[p + i * 4])));
  p += timecnt * time_size;
  for (std::uint32_t i = 0; i < timecnt; ++i) idx[i] = d[p + i];
  p += timecnt;
  std::vector<int> offsets(typecnt);
  for (std::uint32_t i = 0; i < typecnt; ++i) offsets[i] = static_cast<std::int32_t>(be32(&d[p + i * 6]));
  for (std::uint32_t i = 0; i < timecnt; ++i) {
    if (idx[i] >= typecnt) return std::nullopt;
    z.offset_after.push_back(offsets[idx[i]]);
  }
  z.initial_offset = offsets[0];
  return z;
}

}  // namespace

std::optional<int> iana_offset(std::string_view name, std::int64_t unix_seconds) {
  if (!safe_zone_name(name)) return std::nullopt;
  static std::mutex mu;
  static std::map<std::string, std::optional<Zone>, std::less<>> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(name);
  if (it == cache.end()) {
    if (cache.size() > 1000) return std::nullopt;  // a bound for names from untrusted input
    it = cache.emplace(std::string(name), load(name)).first;
  }
  if (!it->second) return std::nullopt;
  const Zone& z = *it->second;
  auto pos = std::upper_bound(z.transitions.begin(), z.transitions.end(), unix_seconds);
  if (pos == z.transitions.begin()) return z.initial_offset;
  return z.offset_after[static_cast<std::size_t>(pos - z.transitions.begin()) - 1];
}

}  // namespace gatehouse::cel
