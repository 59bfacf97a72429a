// The JSON-RPC envelope of a tools/call, parsed and serialized as the gateway does per request
// (jsonrpc::parse, then serialize for the upstream hop), at a small and a 32 KB argument; and
// the JSON writer beside Boost's serializer.
#include <benchmark/benchmark.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>

#include "jsonrpc/json_writer.hpp"
#include "jsonrpc/message.hpp"

namespace {

std::string tools_call(std::size_t text_bytes) {
  return R"({"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"echo","arguments":{"text":")" +
         std::string(text_bytes, 'x') + R"("},"_meta":{"progressToken":42}}})";
}

void BM_ParseToolsCall(benchmark::State& state) {
  const std::string body = tools_call(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto m = gatehouse::jsonrpc::parse(body);
    if (!m) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(m);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseToolsCall)->Arg(16)->Arg(32768);

void BM_ParseSerializeToolsCall(benchmark::State& state) {
  const std::string body = tools_call(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto m = gatehouse::jsonrpc::parse(body);
    if (!m) state.SkipWithError("parse failed");
    auto out = gatehouse::jsonrpc::serialize(*m);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_ParseSerializeToolsCall)->Arg(16)->Arg(32768);

// Writing a relayed message back to text: jsonrpc::json_writer (what the gateway uses) and,
// side by side, boost::json::serialize (what it replaced), on the same parsed value. The
// text starts with a newline: Boost 1.81 copies the rest of a string one character at a
// time after its first escape.
boost::json::value escaped_tools_call(std::size_t text_bytes) {
  std::string text = "line one\\n" + std::string(text_bytes, 'x');
  return boost::json::parse(R"({"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"echo","arguments":{"text":")" +
                            text + R"("},"_meta":{"progressToken":42}}})");
}

void BM_WriteJson(benchmark::State& state) {
  const auto v = escaped_tools_call(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto out = gatehouse::jsonrpc::to_json(v);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_WriteJson)->Arg(16)->Arg(32768);

void BM_BoostSerialize(benchmark::State& state) {
  const auto v = escaped_tools_call(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto out = boost::json::serialize(v);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_BoostSerialize)->Arg(16)->Arg(32768);

void BM_ParseMalformed(benchmark::State& state) {
  const std::string body = R"({"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"echo",)";
  for (auto _ : state) {
    auto m = gatehouse::jsonrpc::parse(body);
    if (m) state.SkipWithError("malformed input parsed");
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_ParseMalformed);

}  // namespace
