#include "observe/access_log.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <ctime>

#include "core/log.hpp"
#include "observe/secret_scrubber.hpp"

namespace gatehouse::observe {

std::string format_time(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

bool is_credential_header(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kNever = {
      "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
      "mcp-session-id", "x-auth-token", "x-amz-security-token", "dpop"};
  return std::find(kNever.begin(), kNever.end(), name) != kNever.end();
}

void JsonLine::key(std::string_view k) {
  if (!first_) out_ += ',';
  first_ = false;
  out_ += '"';
  log::append_json_escaped(out_, k);
  out_ += "\":";
}

JsonLine& JsonLine::str(std::string_view k, std::string_view value, bool omit_empty) {
  if (omit_empty && value.empty()) return *this;
  key(k);
  out_ += '"';
  if (may_hold_secret(value)) log::append_json_escaped(out_, scrub_secrets(value));
  else log::append_json_escaped(out_, value);
  out_ += '"';
  return *this;
}

JsonLine& JsonLine::raw_str(std::string_view k, std::string_view value) {
  if (value.empty()) return *this;
  key(k);
  out_ += '"';
  log::append_json_escaped(out_, value);
  out_ += '"';
  return *this;
}

JsonLine& JsonLine::num(std::string_view k, std::int64_t value) {
  key(k);
  out_ += std::to_string(value);
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

bool AccessLog::header_allowed(std::string_view name) const {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (is_credential_header(lower)) return false;
  return std::find(options_.header_allow_list.begin(), options_.header_allow_list.end(), lower) !=
         options_.header_allow_list.end();
}

std::string AccessLog::format(const AccessRecord& r) const {
  JsonLine j;
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
  std::vector<std::pair<std::string, std::string>> kept;
  for (const auto& [name, value] : r.headers) {
    if (!header_allowed(name)) continue;
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    auto it = std::find_if(kept.begin(), kept.end(), [&](const auto& e) { return e.first == lower; });
    if (it == kept.end()) kept.emplace_back(std::move(lower), value);
    else it->second.append(", ").append(value);
  }
  if (!kept.empty()) {
    j.begin_object("headers");
    for (const auto& [name, value] : kept) j.str(name, value, false);
    j.end_object();
  }
  return j.done();
}

}  // namespace gatehouse::observe
