// Fuzz target: a client's Last-Event-ID (untrusted) against a stream with a bounded log. A
// position it accepts must name an event the log still holds (or the end of it).
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sdk/event_stream.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gatehouse;
  static sdk::EventStream* stream = [] {
    auto* s = new sdk::EventStream("3", true, 4);
    for (int i = 0; i < 10; ++i) s->send(boost::json::object{{"jsonrpc", "2.0"}, {"method", "m"}});
    return s;
  }();
  auto pos = stream->position_after(std::string_view(reinterpret_cast<const char*>(data), size));
  if (pos) assert(*pos >= 6 && *pos <= stream->size());  // events 7..10 remain
  (void)pos;
  return 0;
}
