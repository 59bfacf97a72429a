// The smallest useful MCP server: one tool, served over stdio or HTTP.
#include "sdk/run.hpp"

using namespace gatehouse;
namespace json = boost::json;

int main(int argc, char** argv) {
  sdk::Server server({.name = "minimal", .version = "1.0.0"});
  server.tool({
      .name = "greet",
      .description = "Says hello",
      .input_schema = {{"type", "object"},
                       {"properties", {{"name", {{"type", "string"}}}}},
                       {"required", {"name"}}},
      .handler = [](const json::object& args, sdk::Context&) -> boost::asio::awaitable<Result<json::object>> {
        co_return sdk::text_result("Hello, " + std::string(args.at("name").as_string()) + "!");
      },
  });
  return sdk::run(server, argc, argv);  // --stdio | --http 127.0.0.1:8080 | --sse 127.0.0.1:8081
}
