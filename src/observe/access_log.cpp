#include "observe/access_log.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "core/log.hpp"
#include "observe/secret_scrubber.hpp"

namespace gatehouse::observe {

std::string format_time(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  // One line per request: within a second only the milliseconds change, so the formatted
  // seconds are kept per thread (gmtime_r and strftime were ~2k instructions a line).
  thread_local std::time_t cached_secs = -1;
  thread_local char cached[32];
  thread_local std::size_t cached_len = 0;
  if (secs != cached_secs || ms < 0) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    cached_len = std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_secs = secs;
  }
  std::string out;
  out.reserve(cached_len + 5);
  out.append(cached, cached_len);
  if (ms >= 0) {
    const int f = static_cast<int>(ms % 1000);
    const char frac[5] = {'.', static_cast<char>('0' + f / 100), static_cast<char>('0' + f / 10 % 10),
                          static_cast<char>('0' + f % 10), 'Z'};
    out.append(frac, 5);
  } else {
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms % 1000));
    out += frac;
  }
  return out;
}

bool is_credential_header(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kNever = {
      "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
      "mcp-session-id", "x-auth-token", "x-amz-security-token", "dpop"};
  return std::find(kNever.begin(), kNever.end(), name) != kNever.end();
}

namespace {

// log::append_json_escaped's output, byte for byte, but runs that need no escape (nearly
// every field) are appended in one go instead of a character at a time.
void append_escaped(std::string& out, std::string_view text) {
  static constexpr auto kEscape = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[c] = true;
    t['"'] = t['\\'] = true;
    return t;
  }();
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!kEscape[static_cast<unsigned char>(text[i])]) continue;
    out.append(text.data() + run, i - run);
    log::append_json_escaped(out, text.substr(i, 1));
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
}

// Header names are ASCII tokens: folded without the C library's locale-aware tolower.
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

bool iequals(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != lower[i]) return false;
  return true;
}

}  // namespace

void JsonLine::key(std::string_view k) {
  out_.append(first_ ? "\"" : ",\"", first_ ? 1 : 2);
  first_ = false;
  append_escaped(out_, k);
  out_.append("\":", 2);
}

JsonLine& JsonLine::str(std::string_view k, std::string_view value, bool omit_empty) {
  if (omit_empty && value.empty()) return *this;
  key(k);
  out_ += '"';
  if (may_hold_secret(value)) append_escaped(out_, scrub_secrets(value));
  else append_escaped(out_, value);
  out_ += '"';
  return *this;
}

JsonLine& JsonLine::raw_str(std::string_view k, std::string_view value) {
  if (value.empty()) return *this;
  key(k);
  out_ += '"';
  append_escaped(out_, value);
  out_ += '"';
  return *this;
}

JsonLine& JsonLine::num(std::string_view k, std::int64_t value) {
  key(k);
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out_.append(buf, end);
  return *this;
}

JsonLine& JsonLine::num(std::string_view k, double value) {
  key(k);
  if (!std::isfinite(value)) value = 0;  // JSON has no NaN/Inf
  // Three decimals are plenty for milliseconds and keep lines short.
  value = std::round(value * 1000) / 1000;
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out_.append(buf, end);
  return *this;
}

JsonLine& JsonLine::begin_object(std::string_view k) {
  key(k);
  out_ += '{';
  first_ = true;
  return *this;
}

JsonLine& JsonLine::end_object() {
  out_ += '}';
  first_ = false;
  return *this;
}

AccessLog::AccessLog(std::shared_ptr<LogSink> sink, AccessLogOptions options)
    : sink_(std::move(sink)), options_(std::move(options)) {
  for (auto& h : options_.header_allow_list)
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
}

const std::string* AccessLog::allowed_entry(std::string_view name) const {
  // Compared without lower-casing a copy first: most headers of a request are not listed.
  // A match is the lower-case form of `name` (header names are ASCII).
  for (const auto& allowed : options_.header_allow_list)
    if (iequals(name, allowed)) return is_credential_header(allowed) ? nullptr : &allowed;
  return nullptr;
}

bool AccessLog::header_allowed(std::string_view name) const { return allowed_entry(name) != nullptr; }

std::string AccessLog::format(const AccessRecord& r) const {
  std::vector<std::pair<std::string_view, std::string_view>> headers(r.headers.begin(), r.headers.end());
  return format_view(AccessView{.time = r.time,
                           .route = r.route,
                           .method = r.method,
                           .mcp_method = r.mcp_method,
                           .target = r.target,
                           .tool = r.tool,
                           .session = r.session,
                           .principal = r.principal,
                           .decision = r.decision,
                           .rule = r.rule,
                           .error = r.error,
                           .status = r.status,
                           .latency_ms = r.latency_ms,
                           .bytes_in = r.bytes_in,
                           .bytes_out = r.bytes_out,
                           .trace_id = r.trace_id,
                           .remote = r.remote,
                           .headers = headers});
}

std::string AccessLog::format_view(const AccessView& r) const {
  JsonLine j(512);
  j.raw_str("ts", format_time(r.time))
      .raw_str("log", "access")
      .str("route", r.route)
      .str("method", r.method)
      .str("mcp_method", r.mcp_method)
      .str("target", r.target)
      .str("tool", r.tool)
      .raw_str("session", session_tag(r.session))
      .str("principal", r.principal)
      .str("decision", r.decision)
      .str("rule", r.rule)
      .str("error", r.error)
      .num("status", std::int64_t{r.status})
      .num("latency_ms", r.latency_ms)
      .num("bytes_in", static_cast<std::int64_t>(r.bytes_in))
      .num("bytes_out", static_cast<std::int64_t>(r.bytes_out))
      .str("trace_id", r.trace_id)
      .str("remote", r.remote);
  // Repeated headers become one comma-joined value (as HTTP allows), so keys stay unique.
  struct Kept {
    std::string_view name;   // lower case: the allow list's own entry
    std::string_view value;  // the first value
    std::string joined;      // all of them, once a repeat was seen
  };
  std::vector<Kept> kept;
  for (const auto& [name, value] : r.headers) {
    const std::string* lower = allowed_entry(name);
    if (!lower) continue;
    auto it = std::find_if(kept.begin(), kept.end(), [&](const Kept& e) { return e.name == *lower; });
    if (it == kept.end()) {
      kept.push_back(Kept{*lower, value, {}});
      continue;
    }
    if (it->joined.empty()) it->joined.assign(it->value);
    it->joined.append(", ").append(value);
  }
  if (!kept.empty()) {
    j.begin_object("headers");
    for (const auto& k : kept) j.str(k.name, k.joined.empty() ? k.value : std::string_view(k.joined), false);
    j.end_object();
  }
  return j.done();
}

}  // namespace gatehouse::observe
