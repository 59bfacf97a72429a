// Fuzz target: any bytes through the JSON-RPC parser, and what parses must serialize and
// parse again to the same kind.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "jsonrpc/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gatehouse::jsonrpc;
  auto m = parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!m.ok()) return 0;
  auto again = parse(serialize(*m));
  assert(again.ok() && again->kind == m->kind);
  (void)again;
  return 0;
}
