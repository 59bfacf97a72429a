// gatehouse-echo: one tool, `echo`, that returns its text. The quickstart's first backend.
#include "sdk/run.hpp"

using namespace gatehouse;

int main(int argc, char** argv) {
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
  return sdk::run(server, argc, argv);
}
