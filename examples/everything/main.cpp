// gatehouse-everything: the tools, resources and prompts the official conformance suite's
// server scenarios expect (behaviour of tests/lib/reference-server.mjs), plus `echo`.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

#include "sdk/run.hpp"

using namespace gatehouse;
namespace asio = boost::asio;
namespace json = boost::json;
using Reply = asio::awaitable<Result<json::object>>;

namespace {

constexpr const char* kPng1px =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
constexpr const char* kWavEmpty = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=";

asio::awaitable<void> sleep_ms(int ms) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

json::object schema(std::string_view text) { return json::parse(text).as_object(); }
const json::object kNoArgs = {{"type", "object"}, {"properties", json::object{}}};

json::object content(json::array blocks) { return json::object{{"content", std::move(blocks)}}; }
json::object text_block(std::string_view t) { return {{"type", "text"}, {"text", t}}; }
json::object image_block() { return {{"type", "image"}, {"data", kPng1px}, {"mimeType", "image/png"}}; }
json::object user(json::object block) { return {{"role", "user"}, {"content", std::move(block)}}; }

std::string str(const json::object& args, std::string_view key) {
  const auto* v = args.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Asks the client: a server-to-client request in the session era, an input-required
// result (and the answer on retry) in the 2026-07-28 era. nullopt answer: return `early`.
struct Ask {
  std::optional<json::object> early;
  json::value answer;
};
asio::awaitable<Result<Ask>> ask(sdk::Context& ctx, std::string_view key, json::object request) {
  if (ctx.era() == mcp::Era::modern) {
    if (const auto* r = ctx.input_response(key)) co_return Ask{std::nullopt, *r};
    co_return Ask{sdk::input_required(json::object{{key, std::move(request)}}), nullptr};
  }
  auto method = std::string(request.at("method").as_string());
  auto answer = co_await ctx.request(method, request.at("params").as_object());
  if (!answer.ok()) co_return answer.propagate();
  co_return Ask{std::nullopt, std::move(answer).value()};
}

std::string content_json(const json::value& answer) {
  const auto* c = answer.is_object() ? answer.as_object().if_contains("content") : nullptr;
  return c ? json::serialize(*c) : "{}";
}

void register_tools(sdk::Server& s) {
  s.tool({.name = "echo",
          .description = "Echoes its input",
          .input_schema = schema(R"({"type":"object","properties":{"text":{"type":"string"}},"required":["text"]})"),
          .handler = [](const json::object& a, sdk::Context&) -> Reply { co_return sdk::text_result(str(a, "text")); }});
  s.tool({.name = "test_simple_text", .description = "Returns simple text", .input_schema = kNoArgs,
          .handler = [](const json::object&, sdk::Context&) -> Reply {
            co_return sdk::text_result("This is a simple text response for testing.");
          }});
  s.tool({.name = "test_image_content", .description = "Returns an image", .input_schema = kNoArgs,
          .handler = [](const json::object&, sdk::Context&) -> Reply { co_return content({image_block()}); }});
  s.tool({.name = "test_audio_content", .description = "Returns audio", .input_schema = kNoArgs,
          .handler = [](const json::object&, sdk::Context&) -> Reply {
            co_return content({json::object{{"type", "audio"}, {"data", kWavEmpty}, {"mimeType", "audio/wav"}}});
          }});
  s.tool({.name = "test_embedded_resource", .description = "Returns an embedded resource", .input_schema = kNoArgs,
          .handler = [](const json::object&, sdk::Context&) -> Reply {
            co_return content({json::object{
                {"type", "resource"},
                {"resource", {{"uri", "test://embedded-resource"}, {"mimeType", "text/plain"},
                              {"text", "This is an embedded resource content."}}}}});
          }});
  s.tool({.name = "test_multiple_content_types", .description = "Returns mixed content", .input_schema = kNoArgs,
          .handler = [](const json::object&, sdk::Context&) -> Reply {
            co_return content({text_block("Multiple content types test:"), image_block(),
                               json::object{{"type", "resource"},
                                            {"resource", {{"uri", "test://mixed-content-resource"},
                                                          {"mimeType", "application/json"},
                                                          {"text", R"({"test":"data","value":123})"}}}}});
          }});
  s.tool({.name = "test_error_handling", .description = "Always fails", .input_schema = kNoArgs,
          .handler = [](const json::object&, sdk::Context&) -> Reply {
            co_return sdk::tool_error("This tool intentionally returns an error for testing");
          }});
  s.tool({.name = "test_tool_with_logging", .description = "Logs while running", .input_schema = kNoArgs,
          .handler = [](const json::object&, sdk::Context& ctx) -> Reply {
            ctx.log("info", "Tool execution started");
            co_await sleep_ms(50);
            ctx.log("info", "Tool processing data");
            co_await sleep_ms(50);
            ctx.log("info", "Tool execution completed");
            co_return sdk::text_result("Tool with logging executed successfully");
          }});
  s.tool({.name = "test_tool_with_progress", .description = "Reports progress", .input_schema = kNoArgs,
          .handler = [](const json::object&, sdk::Context& ctx) -> Reply {
            for (int p : {0, 50, 100}) {
              ctx.progress(p, 100);
              if (p < 100) co_await sleep_ms(50);
            }
            const auto* token = ctx.meta().if_contains("progressToken");
            std::string t = !token ? "undefined" : token->is_string() ? std::string(token->get_string()) : json::serialize(*token);
            co_return sdk::text_result("Progress completed (token: " + t + ")");
          }});
  s.tool({.name = "test_reconnection", .description = "Closes the SSE stream mid-call (SEP-1699)",
          .input_schema = kNoArgs,
          .handler = [](const json::object&, sdk::Context& ctx) -> Reply {
            co_await sleep_ms(50);
            ctx.close_stream();
            co_await sleep_ms(200);
            co_return sdk::text_result("Reconnection test completed");
          }});
  s.tool({.name = "test_sampling", .description = "Asks the client for a completion",
          .input_schema = schema(R"({"type":"object","properties":{"prompt":{"type":"string"}},"required":["prompt"]})"),
          .handler = [](const json::object& a, sdk::Context& ctx) -> Reply {
            json::object params{{"messages", json::array{user(text_block(str(a, "prompt")))}}, {"maxTokens", 100}};
            auto asked = co_await ask(ctx, "llm", sdk::sampling_input(std::move(params)));
            if (!asked.ok()) co_return asked.propagate();
            auto& r = *asked;
            if (r.early) co_return std::move(*r.early);
            const auto* c = r.answer.is_object() ? r.answer.as_object().if_contains("content") : nullptr;
            std::string text = c && c->is_object() && c->as_object().contains("text") && c->as_object().at("text").is_string()
                                   ? std::string(c->as_object().at("text").as_string())
                                   : content_json(r.answer);
            co_return sdk::text_result("LLM response: " + text);
          }});
  s.tool({.name = "test_elicitation", .description = "Asks the user for input",
          .input_schema = schema(R"({"type":"object","properties":{"message":{"type":"string"}},"required":["message"]})"),
          .handler = [](const json::object& a, sdk::Context& ctx) -> Reply {
            json::object params{{"message", str(a, "message")},
                                {"requestedSchema", schema(R"({"type":"object","properties":{"username":{"type":"string"},"email":{"type":"string"}},"required":["username","email"]})")}};
            auto asked = co_await ask(ctx, "user", sdk::elicitation_input(std::move(params)));
            if (!asked.ok()) co_return asked.propagate();
            auto& r = *asked;
            if (r.early) co_return std::move(*r.early);
            std::string action = r.answer.is_object() && r.answer.as_object().contains("action")
                                     ? json::value_to<std::string>(r.answer.as_object().at("action")) : "";
            co_return sdk::text_result("User response: action=" + action + ", content=" + content_json(r.answer));
          }});
  auto elicit_tool = [&s](std::string name, std::string requested) {
    s.tool({.name = name, .description = "Elicitation schema test", .input_schema = kNoArgs,
            .handler = [name, requested](const json::object&, sdk::Context& ctx) -> Reply {
              json::object params{{"message", "Testing " + name}, {"requestedSchema", schema(requested)}};
              auto asked = co_await ask(ctx, "user", sdk::elicitation_input(std::move(params)));
              if (!asked.ok()) co_return asked.propagate();
              auto& r = *asked;
              if (r.early) co_return std::move(*r.early);
              std::string action = r.answer.is_object() && r.answer.as_object().contains("action")
                                       ? json::value_to<std::string>(r.answer.as_object().at("action")) : "";
              co_return sdk::text_result("Elicitation completed: action=" + action + ", content=" + content_json(r.answer));
            }});
  };
  elicit_tool("test_elicitation_sep1034_defaults", R"({"type":"object","properties":{
    "name":{"type":"string","default":"John Doe"},"age":{"type":"integer","default":30},
    "score":{"type":"number","default":95.5},
    "status":{"type":"string","enum":["active","inactive","pending"],"default":"active"},
    "verified":{"type":"boolean","default":true}}})");
  elicit_tool("test_elicitation_sep1330_enums", R"({"type":"object","properties":{
    "untitledSingle":{"type":"string","enum":["option1","option2","option3"]},
    "titledSingle":{"type":"string","oneOf":[{"const":"value1","title":"First Option"},{"const":"value2","title":"Second Option"},{"const":"value3","title":"Third Option"}]},
    "legacyEnum":{"type":"string","enum":["opt1","opt2","opt3"],"enumNames":["Option One","Option Two","Option Three"]},
    "untitledMulti":{"type":"array","items":{"type":"string","enum":["option1","option2","option3"]}},
    "titledMulti":{"type":"array","items":{"anyOf":[{"const":"value1","title":"First Choice"},{"const":"value2","title":"Second Choice"},{"const":"value3","title":"Third Choice"}]}}}})");
  s.tool({.name = "json_schema_2020_12_tool", .description = "Tool with JSON Schema 2020-12 features",
          .input_schema = schema(R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
            "$defs":{"address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}}}},
            "properties":{"name":{"type":"string"},"address":{"$ref":"#/$defs/address"}},"additionalProperties":false})"),
          .handler = [](const json::object& a, sdk::Context&) -> Reply { co_return sdk::text_result(json::serialize(a)); }});
}

void register_resources(sdk::Server& s) {
  auto text = [](std::string uri, std::string mime, std::string body) -> json::object {
    return {{"contents", json::array{json::object{{"uri", uri}, {"mimeType", mime}, {"text", body}}}}};
  };
  s.resource({.uri = "test://static-text", .name = "static-text", .mime_type = "text/plain",
              .handler = [text](const std::string& uri, sdk::Context&) -> Reply {
                co_return text(uri, "text/plain", "This is the content of the static text resource.");
              }});
  s.resource({.uri = "test://static-binary", .name = "static-binary", .mime_type = "image/png",
              .handler = [](const std::string& uri, sdk::Context&) -> Reply {
                co_return json::object{{"contents", json::array{json::object{
                                                        {"uri", uri}, {"mimeType", "image/png"}, {"blob", kPng1px}}}}};
              }});
  s.resource({.uri = "test://watched-resource", .name = "watched", .mime_type = "text/plain",
              .handler = [text](const std::string& uri, sdk::Context&) -> Reply { co_return text(uri, "text/plain", "watched"); }});
  s.resource_template({.uri_template = "test://template/{id}/data", .name = "template", .mime_type = "application/json",
                       .handler = [text](const std::string& uri, const std::map<std::string, std::string>& vars,
                                         sdk::Context&) -> Reply {
                         json::object body{{"id", vars.at("id")}, {"templateTest", true}};
                         co_return text(uri, "application/json", json::serialize(body));
                       }});
}

void register_prompts(sdk::Server& s) {
  s.prompt({.name = "test_simple_prompt", .description = "A simple prompt",
            .handler = [](const json::object&, sdk::Context&) -> Reply {
              co_return json::object{{"messages", json::array{user(text_block("This is a simple prompt for testing."))}}};
            }});
  s.prompt({.name = "test_prompt_with_arguments", .description = "A prompt with arguments",
            .arguments = {{.name = "arg1", .description = "First argument", .required = true},
                          {.name = "arg2", .description = "Second argument", .required = true}},
            .handler = [](const json::object& a, sdk::Context&) -> Reply {
              co_return json::object{{"messages", json::array{user(text_block(
                  "Prompt with arguments: arg1='" + str(a, "arg1") + "', arg2='" + str(a, "arg2") + "'"))}}};
            }});
  s.prompt({.name = "test_prompt_with_embedded_resource", .description = "Embeds a resource",
            .arguments = {{.name = "resourceUri", .description = "URI of the resource", .required = true}},
            .handler = [](const json::object& a, sdk::Context&) -> Reply {
              json::object res{{"type", "resource"},
                               {"resource", {{"uri", str(a, "resourceUri")}, {"mimeType", "text/plain"},
                                             {"text", "Embedded resource content for testing."}}}};
              co_return json::object{{"messages", json::array{user(std::move(res)),
                                                              user(text_block("Please process the embedded resource above."))}}};
            }});
  s.prompt({.name = "test_prompt_with_image", .description = "Has an image",
            .handler = [](const json::object&, sdk::Context&) -> Reply {
              co_return json::object{{"messages", json::array{user(image_block()),
                                                              user(text_block("Please analyze the image above."))}}};
            }});
  s.completion([](const json::object&, const std::string&, const std::string& value) {
    std::vector<std::string> out;
    for (const char* c : {"paris", "park", "party"}) {
      if (std::string_view(c).starts_with(value)) out.emplace_back(c);
    }
    return out;
  });
}

}  // namespace

int main(int argc, char** argv) {
  sdk::Server server({.name = "gatehouse-everything", .version = "0.1.0"});
  register_tools(server);
  register_resources(server);
  register_prompts(server);
  return sdk::run(server, argc, argv);
}
