#include "observe/trace_context.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cassert>

namespace gatehouse::observe {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Lower-case hex only: the spec's HEXDIGLC; upper case is invalid.
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

template <std::size_t N>
bool decode_hex(std::string_view text, std::array<std::uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

template <std::size_t N>
std::string encode_hex(const std::array<std::uint8_t, N>& in) {
  std::string out(2 * N, '0');
  for (std::size_t i = 0; i < N; ++i) {
    out[2 * i] = kHex[in[i] >> 4];
    out[2 * i + 1] = kHex[in[i] & 0xf];
  }
  return out;
}

Unexpected bad(std::string_view what) {
  return fail(Errc::bad_request, "invalid traceparent: " + std::string(what), "trace.bad_traceparent");
}

bool is_lcalpha(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool key_char(char c) { return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '*' || c == '/'; }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

// Layout: vv-<32 hex>-<16 hex>-ff, 55 characters for version 00.
Result<TraceParent> parse_traceparent(std::string_view h) {
  constexpr std::size_t kLen = 55;
  if (h.size() < kLen) return bad("too short");
  int v_hi = hex_value(h[0]), v_lo = hex_value(h[1]);
  if (v_hi < 0 || v_lo < 0) return bad("version");
  int version = v_hi << 4 | v_lo;
  if (version == 0xff) return bad("version ff");
  if (h[2] != '-' || h[35] != '-' || h[52] != '-') return bad("separators");
  // Version 00 is exactly 55 characters; a later version may append fields after a dash.
  if (version == 0 && h.size() != kLen) return bad("trailing data");
  if (version != 0 && h.size() > kLen && h[kLen] != '-') return bad("trailing data");
  TraceParent tp;
  if (!decode_hex(h.substr(3, 32), tp.trace_id)) return bad("trace-id");
  if (!decode_hex(h.substr(36, 16), tp.parent_id)) return bad("parent-id");
  std::array<std::uint8_t, 1> flags{};
  if (!decode_hex(h.substr(53, 2), flags)) return bad("trace-flags");
  if (is_zero(tp.trace_id)) return bad("all-zero trace-id");
  if (is_zero(tp.parent_id)) return bad("all-zero parent-id");
  // Unknown flag bits of a later version are not ours to forward.
  tp.flags = version == 0 ? flags[0] : (flags[0] & kFlagSampled);
  return tp;
}

std::string format_traceparent(const TraceParent& tp) {
  assert(!is_zero(tp.trace_id) && !is_zero(tp.parent_id));
  std::string out = "00-";
  out += encode_hex(tp.trace_id);
  out += '-';
  out += encode_hex(tp.parent_id);
  out += '-';
  std::array<std::uint8_t, 1> flags{static_cast<std::uint8_t>(tp.flags & kFlagSampled)};
  out += encode_hex(flags);
  return out;
}

// key = simple-key / multi-tenant-key
//   simple-key = lcalpha 0*255(lcalpha / DIGIT / "_" / "-" / "*" / "/")
//   multi-tenant-key = tenant-id "@" system-id
//   tenant-id = (lcalpha / DIGIT) 0*240(keychar); system-id = lcalpha 0*13(keychar)
bool valid_tracestate_key(std::string_view key) {
  auto at = key.find('@');
  if (at == std::string_view::npos) {
    if (key.empty() || key.size() > 256 || !is_lcalpha(key[0])) return false;
    return std::all_of(key.begin(), key.end(), key_char);
  }
  auto tenant = key.substr(0, at), system = key.substr(at + 1);
  if (tenant.empty() || tenant.size() > 241 || !(is_lcalpha(tenant[0]) || is_digit(tenant[0]))) return false;
  if (system.empty() || system.size() > 14 || !is_lcalpha(system[0])) return false;
  return std::all_of(tenant.begin(), tenant.end(), key_char) && std::all_of(system.begin(), system.end(), key_char);
}

// value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
bool valid_tracestate_value(std::string_view value) {
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  return std::all_of(value.begin(), value.end(), [](char c) {
    return c >= 0x20 && c <= 0x7e && c != ',' && c != '=';
  });
}

Result<TraceState> parse_tracestate(std::string_view header) {
  TraceState ts;
  while (true) {
    auto comma = header.find(',');
    auto member = trim_ows(header.substr(0, comma));
    // Empty members (",,") are allowed and skipped.
    if (!member.empty()) {
      auto eq = member.find('=');
      if (eq == std::string_view::npos)
        return fail(Errc::bad_request, "invalid tracestate member", "trace.bad_tracestate");
      auto key = member.substr(0, eq), value = member.substr(eq + 1);
      if (!valid_tracestate_key(key) || !valid_tracestate_value(value))
        return fail(Errc::bad_request, "invalid tracestate member", "trace.bad_tracestate");
      for (const auto& [k, v] : ts.entries)
        if (k == key) return fail(Errc::bad_request, "duplicate tracestate key", "trace.bad_tracestate");
      if (ts.entries.size() == kMaxTraceStateEntries)
        return fail(Errc::bad_request, "more than 32 tracestate members", "trace.bad_tracestate");
      ts.entries.emplace_back(std::string(key), std::string(value));
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return ts;
}

std::string format_tracestate(const TraceState& ts) {
  std::string out;
  for (const auto& [k, v] : ts.entries) {
    if (!out.empty()) out += ',';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

void TraceState::put(std::string key, std::string value) {
  std::erase_if(entries, [&](const auto& e) { return e.first == key; });
  entries.insert(entries.begin(), {std::move(key), std::move(value)});
  if (entries.size() > kMaxTraceStateEntries) entries.resize(kMaxTraceStateEntries);
}

namespace {
// Ids come from a per-thread block of CSPRNG output: one RAND_bytes call per 512 bytes
// rather than one per id, whose fixed cost was most of what a span cost to start.
template <std::size_t N>
void fill_random(std::array<std::uint8_t, N>& id) {
  thread_local std::array<std::uint8_t, 512> pool;
  thread_local std::size_t used = pool.size();
  do {
    if (used + N > pool.size()) {
      // RAND_bytes only fails if the CSPRNG cannot be seeded: the process cannot run safely.
      int rc = RAND_bytes(pool.data(), static_cast<int>(pool.size()));
      assert(rc == 1);
      (void)rc;
      used = 0;
    }
    std::copy_n(pool.begin() + static_cast<std::ptrdiff_t>(used), N, id.begin());
    used += N;
  } while (std::all_of(id.begin(), id.end(), [](std::uint8_t b) { return b == 0; }));
}
}  // namespace

TraceId new_trace_id() {
  TraceId id;
  fill_random(id);
  return id;
}

SpanId new_span_id() {
  SpanId id;
  fill_random(id);
  return id;
}

std::string to_hex(const TraceId& id) { return encode_hex(id); }
std::string to_hex(const SpanId& id) { return encode_hex(id); }
bool is_zero(const TraceId& id) { return std::all_of(id.begin(), id.end(), [](auto b) { return b == 0; }); }
bool is_zero(const SpanId& id) { return std::all_of(id.begin(), id.end(), [](auto b) { return b == 0; }); }

}  // namespace gatehouse::observe
