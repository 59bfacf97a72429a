// W3C Trace Context (https://www.w3.org/TR/trace-context/): the traceparent and tracestate
// headers, parsed strictly from untrusted requests and formatted for upstream calls, plus
// random trace and span ids. Only version 00 is ever sent; higher versions are read as the
// spec asks (the known prefix, extra fields ignored).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::observe {

using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

constexpr std::uint8_t kFlagSampled = 0x01;

struct TraceParent {
  TraceId trace_id{};
  SpanId parent_id{};
  std::uint8_t flags = 0;
  bool sampled() const { return (flags & kFlagSampled) != 0; }
};

// Errc::bad_request on anything the spec rejects: wrong length or dashes, upper-case or
// non-hex digits, version ff, all-zero ids, or trailing data after a version 00 header.
Result<TraceParent> parse_traceparent(std::string_view header);
// Always version 00; flags keep only the bits version 00 defines.
std::string format_traceparent(const TraceParent& tp);

// The vendor list, in order (most recent first). Keys and values are kept as received.
struct TraceState {
  std::vector<std::pair<std::string, std::string>> entries;

  // Adds or moves `key` to the front with `value` (as a vendor updating its own entry does);
  // drops the last entries beyond the 32 allowed. The caller validates key and value.
  void put(std::string key, std::string value);
};

constexpr std::size_t kMaxTraceStateEntries = 32;

// Errc::bad_request for a malformed member, a duplicate key or more than 32 members; the
// caller then drops tracestate (and keeps traceparent), as the spec says.
Result<TraceState> parse_tracestate(std::string_view header);
std::string format_tracestate(const TraceState& ts);
bool valid_tracestate_key(std::string_view key);
bool valid_tracestate_value(std::string_view value);

// Random, never all-zero (OpenSSL's CSPRNG: ids must not be guessable across tenants).
TraceId new_trace_id();
SpanId new_span_id();

std::string to_hex(const TraceId& id);
std::string to_hex(const SpanId& id);
bool is_zero(const TraceId& id);
bool is_zero(const SpanId& id);

}  // namespace gatehouse::observe
