// Fuzz target: any bytes through the JSON-RPC parser; what parses must serialize and parse
// again to the same kind. Any bytes that parse as JSON must also be written by json_writer
// exactly as boost::json::serialize writes them (the relay path uses json_writer).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "jsonrpc/json_writer.hpp"
#include "jsonrpc/message.hpp"

namespace {
// assert() is compiled out in the release builds that replay the corpus under CTest.
void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "jsonrpc_parse_fuzz: %s\n", what);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gatehouse::jsonrpc;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (!ec) check(to_json(value) == boost::json::serialize(value), "json_writer differs from boost::json::serialize");
  auto m = parse(text);
  if (!m.ok()) return 0;
  auto again = parse(serialize(*m));
  check(again.ok() && again->kind == m->kind, "a parsed message does not parse again to the same kind");
  return 0;
}
