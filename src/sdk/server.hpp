// The MCP server core of the C++ SDK: what a server offers (tools, resources, resource
// templates, prompts, completions) and the dispatch of one JSON-RPC message to it,
// independent of the transport (stdio, Streamable HTTP in either era, legacy HTTP+SSE).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "jsonrpc/message.hpp"
#include "sdk/context.hpp"
#include "sdk/session.hpp"

namespace gatehouse::sdk {

using ToolHandler = std::function<asio::awaitable<Result<json::object>>(const json::object& args, Context&)>;
using ResourceHandler = std::function<asio::awaitable<Result<json::object>>(const std::string& uri, Context&)>;
using TemplateHandler = std::function<asio::awaitable<Result<json::object>>(
    const std::string& uri, const std::map<std::string, std::string>& vars, Context&)>;
using PromptHandler = std::function<asio::awaitable<Result<json::object>>(const json::object& args, Context&)>;
// completion/complete: `ref` ({type: ref/prompt, name} or {type: ref/resource, uri}), the
// argument being completed and its partial value; returns candidate values.
using CompletionHandler = std::function<std::vector<std::string>(
    const json::object& ref, const std::string& argument, const std::string& value)>;

// Every member has a default so designated initializers may leave any out (-Wextra clean).
struct ServerInfo {
  std::string name = "gatehouse-sdk-server";
  std::string version = "0.1.0";
  std::string instructions{};
};

// {"type":"object","properties":{}}: the schema of a tool without arguments.
json::object empty_object_schema();

struct Tool {
  std::string name{};
  std::string description{};
  json::object input_schema = empty_object_schema();
  std::optional<json::object> output_schema{};
  json::object annotations{};
  ToolHandler handler{};
};

struct Resource {
  std::string uri{};
  std::string name{};
  std::string description{};
  std::string mime_type{};
  ResourceHandler handler{};
};

struct ResourceTemplate {
  std::string uri_template{};
  std::string name{};
  std::string description{};
  std::string mime_type{};
  TemplateHandler handler{};
};

struct PromptArgument {
  std::string name{};
  std::string description{};
  bool required = false;
};

struct Prompt {
  std::string name{};
  std::string description{};
  std::vector<PromptArgument> arguments{};
  PromptHandler handler{};
};

class Server {
 public:
  explicit Server(ServerInfo info) : info_(std::move(info)) {}

  // Registration (before serving; names are unique, a later one replaces).
  Server& tool(Tool t);
  Server& resource(Resource r);
  Server& resource_template(ResourceTemplate t);
  Server& prompt(Prompt p);
  Server& completion(CompletionHandler h);

  const ServerInfo& info() const { return info_; }
  // The capabilities both initialize and server/discover advertise.
  json::object capabilities() const;

  // Handles one message from `session`: requests get their response (result or error);
  // notifications and client responses give nullopt. Messages related to the request
  // (notifications, server-to-client requests) go to `out`.
  asio::awaitable<std::optional<json::object>> handle(std::shared_ptr<Session> session, jsonrpc::Message message,
                                                      std::shared_ptr<Outbound> out);

  // Sessions that want notifications/resources/updated (weakly held; any thread).
  void track(const std::shared_ptr<Session>& s);
  // Tells every subscribed session that `uri` changed.
  void resource_updated(const std::string& uri);

 private:
  asio::awaitable<Result<json::object>> dispatch(std::shared_ptr<Session> session, const jsonrpc::Message& m,
                                                 Context& ctx);
  Result<json::object> initialize(Session& s, const json::object& params);
  json::object discover() const;
  json::object list_tools() const;
  json::object list_resources() const;
  json::object list_templates() const;
  json::object list_prompts() const;
  asio::awaitable<Result<json::object>> call_tool(const json::object& params, Context& ctx);
  asio::awaitable<Result<json::object>> read_resource(const json::object& params, Context& ctx);
  asio::awaitable<Result<json::object>> get_prompt(const json::object& params, Context& ctx);
  Result<json::object> complete(const json::object& params);

  ServerInfo info_;
  std::vector<Tool> tools_;
  std::vector<Resource> resources_;
  std::vector<ResourceTemplate> templates_;
  std::vector<Prompt> prompts_;
  CompletionHandler completion_;
  std::mutex sessions_mu_;  // sessions_: HTTP threads track, handlers notify
  std::vector<std::weak_ptr<Session>> sessions_;
  std::size_t prune_at_ = 64;
};

// Checks `args` against the parts of a JSON Schema that tools use most (type object,
// required, top-level property types); the message says what is wrong.
Status check_arguments(const json::object& schema, const json::object& args);

}  // namespace gatehouse::sdk
