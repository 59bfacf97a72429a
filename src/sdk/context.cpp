#include "sdk/context.hpp"

#include "jsonrpc/message.hpp"

namespace gatehouse::sdk {

Context::Context(std::shared_ptr<Session> session, std::shared_ptr<Outbound> out, json::value request_id,
                 json::object params, std::shared_ptr<InFlight> state)
    : session_(std::move(session)),
      out_(std::move(out)),
      request_id_(std::move(request_id)),
      params_(std::move(params)),
      state_(std::move(state)) {
  if (const auto* m = params_.if_contains("_meta"); m && m->is_object()) meta_ = m->get_object();
}

void Context::log(std::string_view level, json::value data, std::string_view logger) {
  auto index = log_level_index(level);
  if (session_->log_threshold && index && *index < *session_->log_threshold) return;
  json::object p{{"level", level}, {"data", std::move(data)}};
  if (!logger.empty()) p["logger"] = logger;
  notify("notifications/message", std::move(p));
}

void Context::progress(double progress, std::optional<double> total, std::string_view message) {
  const auto* token = meta_.if_contains("progressToken");
  if (!token || !(token->is_string() || token->is_int64() || token->is_uint64())) return;
  json::object p{{"progressToken", *token}, {"progress", progress}};
  if (total) p["total"] = *total;
  if (!message.empty()) p["message"] = message;
  notify("notifications/progress", std::move(p));
}

void Context::notify(std::string_view method, json::object params) {
  if (state_->cancelled) return;
  out_->send(jsonrpc::notification(method, std::move(params)));
}

asio::awaitable<Result<json::value>> Context::request(std::string_view method, json::object params) {
  if (session_->era() == mcp::Era::modern) {
    co_return fail(Errc::bad_request,
                   "2026-07-28 servers cannot send requests; return an input-required result instead");
  }
  co_return co_await session_->request(*out_, method, std::move(params));
}

const json::value* Context::input_response(std::string_view key) const {
  const auto* r = params_.if_contains("inputResponses");
  if (!r || !r->is_object()) return nullptr;
  return r->get_object().if_contains(key);
}

json::object text_result(std::string_view text) {
  return json::object{{"content", json::array{json::object{{"type", "text"}, {"text", text}}}}};
}

json::object tool_error(std::string_view text) {
  auto r = text_result(text);
  r["isError"] = true;
  return r;
}

json::object input_required(json::object input_requests) {
  return json::object{{"resultType", "input_required"}, {"inputRequests", std::move(input_requests)}};
}

json::object sampling_input(json::object params) {
  return json::object{{"method", "sampling/createMessage"}, {"params", std::move(params)}};
}

json::object elicitation_input(json::object params) {
  if (!params.contains("mode")) params["mode"] = "form";
  return json::object{{"method", "elicitation/create"}, {"params", std::move(params)}};
}

}  // namespace gatehouse::sdk
