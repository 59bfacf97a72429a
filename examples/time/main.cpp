// gatehouse-time: one tool, `get_time`, the current time in an IANA time zone (default UTC).
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "sdk/run.hpp"

using namespace gatehouse;
namespace json = boost::json;

namespace {

// "2026-11-22 21:40:00 Europe/Paris", or an error for an unknown zone. GCC 12 has no
// std::chrono::zoned_time, so this goes through TZ and the system tz database (the server
// is single-threaded, so switching TZ is safe).
Result<std::string> now_in(const std::string& zone) {
  if (zone.empty() || zone.find("..") != std::string::npos || zone.front() == '/' ||
      (zone != "UTC" && !std::filesystem::is_regular_file("/usr/share/zoneinfo/" + zone))) {
    return fail(Errc::invalid_params, "unknown time zone: " + zone);
  }
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::setenv("TZ", zone.c_str(), 1);
  ::tzset();
  ::localtime_r(&now, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S ", &tm);
  return std::string(buf, n) + zone;
}

}  // namespace

int main(int argc, char** argv) {
  sdk::Server server({.name = "gatehouse-time", .version = "0.1.0"});
  server.tool({
      .name = "get_time",
      .description = "Current time",
      .input_schema = {{"type", "object"},
                       {"properties", {{"timezone", {{"type", "string"}, {"description", "IANA zone, default UTC"}}}}}},
      .annotations = {{"readOnlyHint", true}},
      .handler = [](const json::object& args, sdk::Context&) -> boost::asio::awaitable<Result<json::object>> {
        std::string zone = "UTC";
        if (const auto* tz = args.if_contains("timezone"); tz && tz->is_string()) zone = tz->get_string();
        auto text = now_in(zone);
        if (!text.ok()) co_return sdk::tool_error(text.error().message);
        co_return sdk::text_result(*text);
      },
  });
  return sdk::run(server, argc, argv);
}
