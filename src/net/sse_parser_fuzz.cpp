// Fuzzes the SSE parser: no crash on any bytes, the same events whatever the split, and
// every parsed event survives format -> parse unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/sse.hpp"

using gatehouse::net::SseEvent;
using gatehouse::net::SseParser;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::size_t kMax = 4096;

  SseParser whole(kMax);
  std::vector<SseEvent> whole_events;
  const bool whole_ok = whole.feed(input, whole_events).ok();

  // Split points taken from the input itself so the fuzzer explores them.
  SseParser pieces(kMax);
  std::vector<SseEvent> piece_events;
  bool pieces_ok = true;
  std::size_t pos = 0;
  while (pos < input.size() && pieces_ok) {
    const std::size_t len = 1 + static_cast<unsigned char>(input[pos]) % 7;
    pieces_ok = pieces.feed(input.substr(pos, len), piece_events).ok();
    pos += len;
  }
  if (!whole_ok && pieces_ok) std::abort();
  if (whole_ok && pieces_ok) {
    if (whole_events != piece_events) std::abort();
    if (whole.last_event_id() != pieces.last_event_id() || whole.retry() != pieces.retry()) std::abort();
  }

  for (const auto& event : whole_events) {
    SseParser again;
    std::vector<SseEvent> back;
    if (!again.feed(gatehouse::net::format_sse(event), back).ok()) std::abort();
    if (back.size() != 1 || back[0] != event) std::abort();
  }
  return 0;
}
