#include "sdk/server.hpp"

#include <boost/asio/dispatch.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>

#include "core/log.hpp"
#include "sdk/uri_template.hpp"

namespace gatehouse::sdk {

namespace {

constexpr std::int64_t kResourceNotFound = -32002;  // MCP's code for an unknown resource URI

template <typename T>
void upsert(std::vector<T>& list, T item, std::string T::*key) {
  auto it = std::find_if(list.begin(), list.end(), [&](const T& x) { return x.*key == item.*key; });
  if (it != list.end()) *it = std::move(item);
  else list.push_back(std::move(item));
}

std::string string_param(const json::object& params, std::string_view key) {
  const auto* v = params.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t rpc_code(const Error& e) {
  if (e.reason == "resource.not_found") return kResourceNotFound;
  return jsonrpc_code(e.code);
}

bool has_type(const json::value& v, std::string_view type) {
  if (type == "string") return v.is_string();
  if (type == "number") return v.is_number();
  if (type == "integer") return v.is_int64() || v.is_uint64() || (v.is_double() && v.get_double() == static_cast<double>(static_cast<std::int64_t>(v.get_double())));
  if (type == "boolean") return v.is_bool();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "null") return v.is_null();
  return true;  // unknown type keyword: not ours to judge
}

}  // namespace

json::object empty_object_schema() { return {{"type", "object"}, {"properties", json::object{}}}; }

Status check_arguments(const json::object& schema, const json::object& args) {
  if (const auto* req = schema.if_contains("required"); req && req->is_array()) {
    for (const auto& r : req->get_array()) {
      if (r.is_string() && !args.contains(r.get_string())) {
        return fail(Errc::invalid_params, "missing required argument '" + std::string(r.get_string()) + "'");
      }
    }
  }
  const auto* props = schema.if_contains("properties");
  if (props && props->is_object()) {
    for (const auto& [name, value] : args) {
      const auto* p = props->get_object().if_contains(name);
      if (!p || !p->is_object()) continue;
      const auto* type = p->get_object().if_contains("type");
      if (type && type->is_string() && !has_type(value, type->get_string())) {
        return fail(Errc::invalid_params, "argument '" + std::string(name) + "' must be of type " +
                                              std::string(type->get_string()));
      }
    }
  }
  return {};
}

Server& Server::tool(Tool t) {
  upsert(tools_, std::move(t), &Tool::name);
  return *this;
}
Server& Server::resource(Resource r) {
  upsert(resources_, std::move(r), &Resource::uri);
  return *this;
}
Server& Server::resource_template(ResourceTemplate t) {
  upsert(templates_, std::move(t), &ResourceTemplate::uri_template);
  return *this;
}
Server& Server::prompt(Prompt p) {
  upsert(prompts_, std::move(p), &Prompt::name);
  return *this;
}
Server& Server::completion(CompletionHandler h) {
  completion_ = std::move(h);
  return *this;
}

json::object Server::capabilities() const {
  json::object caps{{"logging", json::object{}}};
  if (!tools_.empty()) caps["tools"] = json::object{{"listChanged", true}};
  if (!resources_.empty() || !templates_.empty()) {
    caps["resources"] = json::object{{"subscribe", true}, {"listChanged", true}};
  }
  if (!prompts_.empty()) caps["prompts"] = json::object{{"listChanged", true}};
  if (completion_) caps["completions"] = json::object{};
  return caps;
}

void Server::track(const std::shared_ptr<Session>& s) {
  std::lock_guard lock(sessions_mu_);
  // Sessions end without telling the server: drop the dead ones as the list doubles.
  if (sessions_.size() >= prune_at_) {
    std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
    prune_at_ = std::max<std::size_t>(64, 2 * sessions_.size());
  }
  sessions_.push_back(s);
}

void Server::resource_updated(const std::string& uri) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(sessions_mu_);
    std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
    for (const auto& w : sessions_) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
  }
  // A session's subscriptions belong to its executor (its HTTP thread): look there.
  for (auto& s : live) {
    asio::dispatch(s->executor(), [s, uri] {
      if (!s->general || !s->subscriptions.contains(uri)) return;
      s->general->send(jsonrpc::notification("notifications/resources/updated", json::object{{"uri", uri}}));
    });
  }
}

asio::awaitable<std::optional<json::object>> Server::handle(std::shared_ptr<Session> session,
                                                            jsonrpc::Message m, std::shared_ptr<Outbound> out) {
  switch (m.kind) {
    case jsonrpc::Kind::response:
      session->resolve(m.id, Result<json::value>(std::move(m.result)));
      co_return std::nullopt;
    case jsonrpc::Kind::error: {
      auto message = m.error.if_contains("message");
      std::string text = message && message->is_string() ? std::string(message->get_string()) : "error";
      session->resolve(m.id, Result<json::value>(fail(Errc::unavailable, "client error: " + text)));
      co_return std::nullopt;
    }
    case jsonrpc::Kind::notification:
      if (m.method == "notifications/cancelled") {
        if (const auto* id = m.params_object().if_contains("requestId")) session->cancel(*id);
      } else if (m.method == "notifications/initialized") {
        session->initialized = true;
      }
      co_return std::nullopt;
    case jsonrpc::Kind::request:
      break;
  }
  auto state = session->begin_request(m.id);
  Context ctx(session, out, m.id, m.params_object(), state);
  auto result = co_await dispatch(session, m, ctx);
  session->end_request(m.id);
  if (!result.ok()) {
    const Error& e = result.error();
    log::debug("sdk.request_failed", {{"method", m.method}, {"reason", log_reason(e)}});
    json::value data = nullptr;
    if (e.reason == "resource.not_found") data = json::object{{"uri", string_param(m.params_object(), "uri")}};
    co_return jsonrpc::error_response(m.id, rpc_code(e), e.message, std::move(data));
  }
  json::object r = std::move(result).value();
  if (session->era() == mcp::Era::modern) {
    if (!r.contains("resultType")) r["resultType"] = "complete";
    // 2026-07-28 cacheable results carry a freshness hint; ours are per-caller, not cached.
    static constexpr std::string_view kCacheable[] = {"tools/list", "resources/list", "resources/templates/list",
                                                      "prompts/list", "resources/read", "server/discover"};
    if (std::find(std::begin(kCacheable), std::end(kCacheable), m.method) != std::end(kCacheable) &&
        !r.contains("ttlMs")) {
      r["ttlMs"] = 0;
      r["cacheScope"] = "private";
    }
    json::object meta;
    if (auto* existing = r.if_contains("_meta"); existing && existing->is_object()) meta = existing->get_object();
    meta[mcp::kMetaServerInfo] = json::object{{"name", info_.name}, {"version", info_.version}};
    r["_meta"] = std::move(meta);
  }
  co_return jsonrpc::response(m.id, std::move(r));
}

asio::awaitable<Result<json::object>> Server::dispatch(std::shared_ptr<Session> session, const jsonrpc::Message& m,
                                                       Context& ctx) {
  const auto& params = m.params_object();
  const std::string& method = m.method;
  const bool modern = session->era() == mcp::Era::modern;
  if (method == "initialize" && !modern) co_return initialize(*session, params);
  if (method == "ping") co_return json::object{};
  if (method == "server/discover" && modern) co_return discover();
  if (method == "tools/list") co_return list_tools();
  if (method == "tools/call") co_return co_await call_tool(params, ctx);
  if (method == "resources/list") co_return list_resources();
  if (method == "resources/templates/list") co_return list_templates();
  if (method == "resources/read") co_return co_await read_resource(params, ctx);
  if (method == "resources/subscribe" || method == "resources/unsubscribe") {
    std::string uri = string_param(params, "uri");
    if (uri.empty()) co_return fail(Errc::invalid_params, "uri is required");
    if (method == "resources/subscribe") session->subscriptions.insert(uri);
    else session->subscriptions.erase(uri);
    co_return json::object{};
  }
  if (method == "prompts/list") co_return list_prompts();
  if (method == "prompts/get") co_return co_await get_prompt(params, ctx);
  if (method == "completion/complete" && completion_) co_return complete(params);
  if (method == "logging/setLevel") {
    auto level = log_level_index(string_param(params, "level"));
    if (!level) co_return fail(Errc::invalid_params, "unknown log level");
    session->log_threshold = level;
    co_return json::object{};
  }
  co_return fail(Errc::method_not_found, "Method not found");
}

Result<json::object> Server::initialize(Session& s, const json::object& params) {
  s.protocol_version = mcp::negotiate_session_version(string_param(params, "protocolVersion"));
  if (const auto* caps = params.if_contains("capabilities"); caps && caps->is_object()) {
    s.client_capabilities = caps->get_object();
  }
  if (const auto* ci = params.if_contains("clientInfo"); ci && ci->is_object()) s.client_info = ci->get_object();
  json::object r{{"protocolVersion", s.protocol_version},
                 {"capabilities", capabilities()},
                 {"serverInfo", json::object{{"name", info_.name}, {"version", info_.version}}}};
  if (!info_.instructions.empty()) r["instructions"] = info_.instructions;
  return r;
}

json::object Server::discover() const {
  json::array versions;
  for (const auto& v : mcp::modern_versions()) versions.emplace_back(v);
  return json::object{{"supportedVersions", std::move(versions)},
                      {"capabilities", capabilities()}};
}

json::object Server::list_tools() const {
  json::array out;
  for (const auto& t : tools_) {
    json::object o{{"name", t.name}, {"inputSchema", t.input_schema}};
    if (!t.description.empty()) o["description"] = t.description;
    if (t.output_schema) o["outputSchema"] = *t.output_schema;
    if (!t.annotations.empty()) o["annotations"] = t.annotations;
    out.push_back(std::move(o));
  }
  return json::object{{"tools", std::move(out)}};
}

json::object Server::list_resources() const {
  json::array out;
  for (const auto& r : resources_) {
    json::object o{{"uri", r.uri}, {"name", r.name.empty() ? r.uri : r.name}};
    if (!r.description.empty()) o["description"] = r.description;
    if (!r.mime_type.empty()) o["mimeType"] = r.mime_type;
    out.push_back(std::move(o));
  }
  return json::object{{"resources", std::move(out)}};
}

json::object Server::list_templates() const {
  json::array out;
  for (const auto& t : templates_) {
    json::object o{{"uriTemplate", t.uri_template}, {"name", t.name.empty() ? t.uri_template : t.name}};
    if (!t.description.empty()) o["description"] = t.description;
    if (!t.mime_type.empty()) o["mimeType"] = t.mime_type;
    out.push_back(std::move(o));
  }
  return json::object{{"resourceTemplates", std::move(out)}};
}

json::object Server::list_prompts() const {
  json::array out;
  for (const auto& p : prompts_) {
    json::object o{{"name", p.name}};
    if (!p.description.empty()) o["description"] = p.description;
    if (!p.arguments.empty()) {
      json::array args;
      for (const auto& a : p.arguments) {
        json::object ao{{"name", a.name}, {"required", a.required}};
        if (!a.description.empty()) ao["description"] = a.description;
        args.push_back(std::move(ao));
      }
      o["arguments"] = std::move(args);
    }
    out.push_back(std::move(o));
  }
  return json::object{{"prompts", std::move(out)}};
}

asio::awaitable<Result<json::object>> Server::call_tool(const json::object& params, Context& ctx) {
  std::string name = string_param(params, "name");
  auto it = std::find_if(tools_.begin(), tools_.end(), [&](const Tool& t) { return t.name == name; });
  if (it == tools_.end()) co_return fail(Errc::invalid_params, "Tool " + name + " not found");
  json::object args;
  if (const auto* a = params.if_contains("arguments")) {
    if (a->is_object()) args = a->get_object();
    else if (!a->is_null()) co_return fail(Errc::invalid_params, "arguments must be an object");
  }
  // Invalid arguments are a tool error the model can read and correct (not a protocol error).
  if (auto ok = check_arguments(it->input_schema, args); !ok) {
    co_return tool_error("Input validation error: " + ok.error().message);
  }
  co_return co_await it->handler(args, ctx);
}

asio::awaitable<Result<json::object>> Server::read_resource(const json::object& params, Context& ctx) {
  std::string uri = string_param(params, "uri");
  if (uri.empty()) co_return fail(Errc::invalid_params, "uri is required");
  for (const auto& r : resources_) {
    if (r.uri == uri) co_return co_await r.handler(uri, ctx);
  }
  for (const auto& t : templates_) {
    if (auto vars = match_uri_template(t.uri_template, uri)) co_return co_await t.handler(uri, *vars, ctx);
  }
  co_return fail(Errc::not_found, "Resource " + uri + " not found", "resource.not_found");
}

asio::awaitable<Result<json::object>> Server::get_prompt(const json::object& params, Context& ctx) {
  std::string name = string_param(params, "name");
  auto it = std::find_if(prompts_.begin(), prompts_.end(), [&](const Prompt& p) { return p.name == name; });
  if (it == prompts_.end()) co_return fail(Errc::invalid_params, "Prompt " + name + " not found");
  json::object args;
  if (const auto* a = params.if_contains("arguments"); a && a->is_object()) args = a->get_object();
  for (const auto& a : it->arguments) {
    const auto* v = args.if_contains(a.name);
    if (a.required && !v) co_return fail(Errc::invalid_params, "missing required argument '" + a.name + "'");
    if (v && !v->is_string()) co_return fail(Errc::invalid_params, "argument '" + a.name + "' must be a string");
  }
  co_return co_await it->handler(args, ctx);
}

Result<json::object> Server::complete(const json::object& params) {
  const auto* ref = params.if_contains("ref");
  const auto* arg = params.if_contains("argument");
  if (!ref || !ref->is_object() || !arg || !arg->is_object()) {
    return fail(Errc::invalid_params, "ref and argument are required");
  }
  auto values = completion_(ref->get_object(), string_param(arg->get_object(), "name"),
                            string_param(arg->get_object(), "value"));
  constexpr std::size_t kMax = 100;  // the spec's cap per response
  json::array out;
  for (std::size_t i = 0; i < values.size() && i < kMax; ++i) out.emplace_back(values[i]);
  return json::object{{"completion", json::object{{"values", std::move(out)},
                                                  {"total", values.size()},
                                                  {"hasMore", values.size() > kMax}}}};
}

}  // namespace gatehouse::sdk
