// gatehouse-echo: one tool, `echo`, that returns its text. The quickstart's first backend.
// With --stream-tool, a second tool, `echo_stream`, reports `steps` progress notifications
// before the same result, so a caller that sends a progressToken gets an SSE answer
// (bench/compare `sse`). Opt-in: the quickstart and the tests know the echo server as one tool.
// With --delay-ms MS (Streamable HTTP only), tools/list is answered MS later, on a timer:
// a stand-in for a remote server (bench/compare `fanout*`).
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <vector>

#include "examples/echo/delayed_list.hpp"
#include "sdk/run.hpp"

using namespace gatehouse;

int main(int argc, char** argv) {
  bool stream_tool = false;
  int delay_ms = 0;
  std::vector<char*> args;  // argv without our own flags, for sdk::run
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--stream-tool") {
      stream_tool = true;
    } else if (a == "--delay-ms" && i + 1 < argc) {
      std::string_view v = argv[++i];
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), delay_ms);
      if (ec != std::errc() || p != v.data() + v.size() || delay_ms < 0 || delay_ms > 60'000) {
        std::fprintf(stderr, "%s: --delay-ms takes 0..60000\n", argv[0]);
        return 2;
      }
    } else {
      args.push_back(argv[i]);
    }
  }
  sdk::Server server({.name = "gatehouse-echo", .version = "0.1.0"});
  server.tool({
      .name = "echo",
      .description = "Echoes its input",
      .input_schema = {{"type", "object"},
                       {"properties", {{"text", {{"type", "string"}, {"description", "Text to echo"}}}}},
                       {"required", {"text"}}},
      .annotations = {{"readOnlyHint", true}},
      .handler = [](const boost::json::object& args, sdk::Context&) -> boost::asio::awaitable<Result<boost::json::object>> {
        co_return sdk::text_result(args.at("text").as_string());
      },
  });
  if (stream_tool) server.tool({
      .name = "echo_stream",
      .description = "Echoes its input after reporting progress (steps notifications, default 3)",
      .input_schema = {{"type", "object"},
                       {"properties",
                        {{"text", {{"type", "string"}, {"description", "Text to echo"}}},
                         {"steps", {{"type", "integer"}, {"minimum", 0}, {"maximum", 100}}}}},
                       {"required", {"text"}}},
      .annotations = {{"readOnlyHint", true}},
      .handler = [](const boost::json::object& args, sdk::Context& ctx)
          -> boost::asio::awaitable<Result<boost::json::object>> {
        std::int64_t steps = 3;
        if (const auto* s = args.if_contains("steps"); s && s->is_int64()) steps = std::clamp<std::int64_t>(s->as_int64(), 0, 100);
        for (std::int64_t i = 1; i <= steps; ++i) {
          ctx.progress(static_cast<double>(i), static_cast<double>(steps));
          // Yield between notifications, as a tool doing work would: they leave as separate events.
          auto ex = co_await boost::asio::this_coro::executor;
          co_await boost::asio::post(ex, boost::asio::use_awaitable);
        }
        co_return sdk::text_result(args.at("text").as_string());
      },
  });
  if (delay_ms > 0) return echo::run_delayed(server, std::chrono::milliseconds(delay_ms), static_cast<int>(args.size()), args.data());
  return sdk::run(server, static_cast<int>(args.size()), args.data());
}
