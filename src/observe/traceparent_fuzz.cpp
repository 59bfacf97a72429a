// Fuzz target: traceparent and tracestate come straight from client headers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "observe/trace_context.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gatehouse::observe;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto tp = parse_traceparent(in)) {
    // What we accept we must be able to send on, and read back identically.
    auto again = parse_traceparent(format_traceparent(*tp));
    if (!again || again->trace_id != tp->trace_id || again->parent_id != tp->parent_id ||
        again->sampled() != tp->sampled())
      __builtin_trap();
  }
  if (auto ts = parse_tracestate(in)) {
    auto text = format_tracestate(*ts);
    auto again = parse_tracestate(text);
    if (!again || again->entries != ts->entries) __builtin_trap();
  }
  return 0;
}
