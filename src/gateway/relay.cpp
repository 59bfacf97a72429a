#include "gateway/relay.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>

#include "core/log.hpp"
#include "gateway/event_ids.hpp"
#include "gateway/merge.hpp"
#include "gateway/message_queue.hpp"
#include "gateway/naming.hpp"
#include "gateway/request_state.hpp"
#include "jsonrpc/json_writer.hpp"

namespace gatehouse::gateway {
namespace json = boost::json;
namespace http = boost::beast::http;
using asio::use_awaitable;

namespace {

constexpr std::array<std::string_view, 4> kLegacyVersions = {"2024-11-05", "2025-03-26",
                                                             "2025-06-18", "2025-11-25"};

// One target's answer to a fanned-out request.
struct Outcome {
  const TargetSpec* target = nullptr;
  bool ok = false;
  Error error;
  json::object result;      // the JSON-RPC result
  json::value rpc_error;    // or the JSON-RPC error the target answered with
  std::string session_id;   // the upstream session id it assigned (initialize)
};

struct Job {
  const TargetSpec* target;
  const TargetSession* session;  // nullptr at initialize
  json::object message;
};

std::string_view str_or(const json::object& o, std::string_view key, std::string_view dflt = {}) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : dflt;
}

json::object* params_of(json::object& m) {
  auto* p = m.if_contains("params");
  return p && p->is_object() ? &p->get_object() : nullptr;
}

// What goes with a message to target `t`: its upstream session, the forwarded headers and,
// for a target with per-caller credentials, the header for this caller (which may ask the
// authorization server, hence a coroutine).
asio::awaitable<Result<UpstreamCall>> make_call(const RelayContext& ctx, const TargetSpec& t, const TargetSession* ts) {
  UpstreamCall c;
  c.timeout = t.timeout;
  c.headers = ctx.forward_headers;
  if (ts) {
    c.session_id = ts->upstream_session_id;
    c.protocol_version = ts->protocol_version;
  }
  if (t.credentials && ctx.policy_request && std::holds_alternative<HttpTarget>(t.transport)) {
    auto header = co_await t.credentials->header_for(*ctx.policy_request);
    if (!header.ok()) {
      log::warn("relay.upstream_credentials_failed", {{"target", t.name}, {"reason", log_reason(header.error())}});
      co_return fail(header.error().code, "target " + t.name + ": no upstream credentials (" + header.error().message + ")",
                     header.error().reason);
    }
    if (*header) c.headers.push_back(std::move(**header));
  }
  co_return c;
}

// A transport failure (the target could not be reached or broke off), as opposed to an
// answer: what outlier ejection counts and list retries retry.
bool transport_failure(const Error& e) {
  return e.code == Errc::unavailable || e.code == Errc::timeout || e.code == Errc::internal;
}

Error ejected_error(const TargetSpec& t) {
  return Error(Errc::unavailable, "target " + t.name + " is left out after repeated failures", "upstream.ejected");
}

// The outcome of one call for the target's health (JSON-RPC errors are answers).
void record_health(const TargetSpec& t, bool ok) {
  if (t.health && t.health->record(ok)) log::warn("relay.target_ejected", {{"target", t.name}});
}

// One call to a target, for the upstream latency histogram and its child span.
void note_call(RelayContext& ctx, const TargetSpec& t, std::string_view method, std::uint64_t start_ns,
               const Error* error) {
  if (!ctx.record) return;
  TimedStep step{std::string(method), t.name, start_ns, unix_now_ns()};
  if (error) {
    step.ok = false;
    step.error = log_reason(*error);
  }
  ctx.record->upstream_calls.push_back(std::move(step));
}

asio::awaitable<Outcome> call_target_untimed(RelayContext& ctx, const Job& job) {
  Outcome out;
  out.target = job.target;
  if (job.target->health && !job.target->health->admit()) {
    out.error = ejected_error(*job.target);
    co_return out;
  }
  auto up = ctx.pools.get(ctx.exchange.executor(), *job.target);
  if (!up) {
    out.error = Error(Errc::unavailable, "target " + job.target->name + " has no transport", "upstream.no_transport");
    co_return out;
  }
  auto call = co_await make_call(ctx, *job.target, job.session);
  if (!call.ok()) {
    out.error = call.error();
    co_return out;
  }
  auto s = co_await up->request(std::move(*call), job.message);
  if (!s.ok()) {
    out.error = s.error();
    record_health(*job.target, !transport_failure(out.error));
    co_return out;
  }
  auto r = co_await read_response(**s);
  if (!r.ok()) {
    out.error = r.error();
    record_health(*job.target, !transport_failure(out.error));
    co_return out;
  }
  record_health(*job.target, true);
  out.session_id = (*s)->session_id();
  if (auto* res = r->if_contains("result"); res && res->is_object()) {
    out.ok = true;
    out.result = std::move(res->get_object());
  } else if (auto* err = r->if_contains("error")) {
    out.rpc_error = *err;
    out.error = Error(Errc::unavailable, "target " + job.target->name + " answered an error", "upstream.rpc_error");
  } else {
    out.error = Error(Errc::unavailable, "target " + job.target->name + " answered garbage", "upstream.bad_response");
  }
  co_return out;
}

asio::awaitable<Outcome> call_target_once(RelayContext& ctx, const Job& job) {
  const auto start_ns = unix_now_ns();
  auto out = co_await call_target_untimed(ctx, job);
  if (out.error.reason == "upstream.ejected") co_return out;  // no call was made
  const bool failed = !out.ok && !out.rpc_error.is_object();
  note_call(ctx, *job.target, str_or(job.message, "method"), start_ns, failed ? &out.error : nullptr);
  co_return out;
}

// List calls are idempotent: a transport failure is retried (after a short pause) up to the
// target's list_retries; nothing else is.
asio::awaitable<Outcome> call_target(RelayContext& ctx, Job job) {
  const bool idempotent = list_kind(str_or(job.message, "method")).has_value();
  unsigned attempts = 1 + (idempotent ? job.target->list_retries : 0);
  for (unsigned attempt = 1;; ++attempt) {
    auto out = co_await call_target_once(ctx, job);
    if (out.ok || out.rpc_error.is_object() || attempt >= attempts || !transport_failure(out.error) ||
        out.error.reason == "upstream.ejected")
      co_return out;
    log::debug("relay.list_retry", {{"target", job.target->name}, {"attempt", attempt}, {"reason", log_reason(out.error)}});
    asio::steady_timer pause(ctx.exchange.executor(), std::chrono::milliseconds(25 * attempt));
    co_await pause.async_wait(use_awaitable);
  }
}

// Runs the jobs in parallel, each bounded by its own target's timeout, so a slow target
// delays the answer by at most that timeout.
asio::awaitable<std::vector<Outcome>> fan_out(RelayContext& ctx, std::vector<Job> jobs) {
  if (jobs.empty()) co_return std::vector<Outcome>{};
  auto ex = ctx.exchange.executor();
  using Op = decltype(asio::co_spawn(ex, call_target(ctx, jobs[0]), asio::deferred));
  std::vector<Op> ops;
  ops.reserve(jobs.size());
  for (auto& j : jobs) ops.push_back(asio::co_spawn(ex, call_target(ctx, std::move(j)), asio::deferred));
  auto [order, errors, values] = co_await asio::experimental::make_parallel_group(std::move(ops))
                                     .async_wait(asio::experimental::wait_for_all(), use_awaitable);
  (void)order;
  for (std::size_t i = 0; i < errors.size(); ++i)
    if (errors[i]) {
      values[i].ok = false;
      values[i].error = Error(Errc::internal, "relay failed", "relay.exception");
    }
  co_return std::move(values);
}

// A target failure in a fan-out: left out (open) or fails the request (closed).
// JSON built outside coroutine bodies: g++ 12 rejects initializer lists inside them.
json::object rpc_result(const json::value& id, json::value result) {
  return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}
json::object rpc_request(const json::value& id, std::string_view method) {
  return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
}
json::object tagged(std::string_view target, json::object m) {
  json::object o;
  o["t"] = target;
  o["m"] = std::move(m);
  return o;
}
// 2026-07-28 results say whether they are complete (or input_required, MRTR); what a
// session-era target answered, or the gateway made, is complete.
void stamp_result_type(json::object& result) {
  if (!result.contains("resultType")) result["resultType"] = "complete";
}

json::object ctx_result(const RelayContext& ctx, const json::value& id, json::value result) {
  if (ctx.modern && result.is_object()) stamp_result_type(result.get_object());
  return rpc_result(id, std::move(result));
}

const char* list_method(ListKind k) {
  switch (k) {
    case ListKind::tools: return "tools/list";
    case ListKind::prompts: return "prompts/list";
    case ListKind::resources: return "resources/list";
    case ListKind::resource_templates: return "resources/templates/list";
  }
  return "tools/list";
}

bool fails_request(const Outcome& o) { return !o.ok && o.target->failure == FailureMode::closed; }

void wrap_uri_field(json::object& o, std::string_view key, std::string_view target) {
  if (auto* v = o.if_contains(key); v && v->is_string()) *v = wrap_uri(target, v->get_string());
}


// 2026-07-28 list and read results carry cache hints; a session-era target has none, and
// the gateway never lets a client cache what policy or reload may change.
void add_cache_fields(json::object& result) {
  if (!result.contains("ttlMs")) result["ttlMs"] = 0;
  if (!result.contains("cacheScope")) result["cacheScope"] = "private";
}

// Renames what a target sends so the client sees the gateway's names.
void to_client(const RelayContext& ctx, std::string_view target, std::string_view request_method,
               json::object& m) {
  auto* method = m.if_contains("method");
  if (method) {
    if (auto* id = m.if_contains("id")) *id = wrap_request_id(target, *id, ctx.pools.loop_index(ctx.exchange.executor()));
    if (ctx.prefix && method->is_string() && method->get_string() == "notifications/resources/updated")
      if (auto* p = params_of(m)) wrap_uri_field(*p, "uri", target);
    return;
  }
  auto* result = m.if_contains("result");
  if (!result || !result->is_object()) return;
  auto& r = result->get_object();
  if (ctx.modern) stamp_result_type(r);
  // The upstream's requestState goes to the client sealed (see request_state.hpp).
  if (ctx.modern)
    if (auto* state = r.if_contains("requestState"); state && state->is_string()) {
      RequestStateBinding binding{ctx.principal, request_method, ctx.request_name};
      *state = wrap_request_state(ctx.codec.state_box(), binding,
                                  UpstreamRequestState{std::string(target), std::string(state->get_string())}, unix_now());
    }
  if (ctx.modern && request_method == "resources/read") add_cache_fields(r);
  if (!ctx.prefix) return;
  if (request_method == "resources/read") {
    if (auto* c = r.if_contains("contents"); c && c->is_array())
      for (auto& item : c->get_array())
        if (item.is_object()) wrap_uri_field(item.get_object(), "uri", target);
  } else if (request_method == "tools/call") {
    if (auto* c = r.if_contains("content"); c && c->is_array())
      for (auto& item : c->get_array()) {
        if (!item.is_object()) continue;
        auto& o = item.get_object();
        auto type = str_or(o, "type");
        if (type == "resource_link") wrap_uri_field(o, "uri", target);
        if (type == "resource")
          if (auto* res = o.if_contains("resource"); res && res->is_object())
            wrap_uri_field(res->get_object(), "uri", target);
      }
  }
}

const TargetSpec* live_target(const RelayContext& ctx, const SessionState& session,
                              std::string_view name, const TargetSession** ts) {
  *ts = session.find(name);
  if (!*ts) return nullptr;
  return ctx.route.find(name);
}

// Targets of the session that the current config still has, in config order.
std::vector<std::pair<const TargetSpec*, const TargetSession*>> session_targets(
    const RelayContext& ctx, const SessionState& session) {
  std::vector<std::pair<const TargetSpec*, const TargetSession*>> out;
  for (const auto& t : ctx.route.targets)
    if (const auto* ts = session.find(t.name)) out.emplace_back(&t, ts);
  return out;
}

asio::awaitable<void> respond_json(RelayContext& ctx, const json::object& body) {
  co_await ctx.exchange.respond(json_response(200, body, ctx.response_headers));
}

asio::awaitable<void> respond_rpc_error(RelayContext& ctx, const json::value& id, const Error& e) {
  co_await respond_json(ctx, jsonrpc_error(id, jsonrpc_code(e.code), e.message));
}

net::ResponseHead sse_head(const Headers& headers) {
  net::ResponseHead head;
  head.result(http::status::ok);
  head.set(http::field::content_type, "text/event-stream");
  head.set(http::field::cache_control, "no-cache");
  for (const auto& [k, v] : headers) head.set(k, v);
  return head;
}

// Relays one request to one target: JSON when its first message is the response, else an
// SSE stream carrying notifications and server->client requests as they arrive.
// Starts the client's SSE answer if needed, and passes on the target's reconnection delay
// once it is known (SEP-1699 polling). false: the client is gone.
// The SSE head goes out at once; the retry field joins the text waiting to be written.
asio::awaitable<bool> start_streaming(RelayContext& ctx, const MessageStream& stream, bool& streaming, bool& retry_sent,
                                      std::string& pending) {
  if (!streaming) {
    if (!co_await ctx.exchange.begin_stream(sse_head(ctx.response_headers))) co_return false;
    streaming = true;
  }
  if (const auto ms = stream.retry_ms(); ms > 0 && !retry_sent) {
    retry_sent = true;
    pending += sse_retry(ms);
  }
  co_return true;
}

asio::awaitable<void> relay_to(RelayContext& ctx, const TargetSpec& target, const TargetSession* ts,
                               json::object message) {
  json::value id = message.contains("id") ? message["id"] : json::value(nullptr);
  std::string method(str_or(message, "method"));
  if (target.health && !target.health->admit()) {
    co_await respond_rpc_error(ctx, id, ejected_error(target));
    co_return;
  }
  auto up = ctx.pools.get(ctx.exchange.executor(), target);
  if (!up) {
    co_await respond_rpc_error(ctx, id, Error(Errc::unavailable, "target " + target.name + " unavailable"));
    co_return;
  }
  const auto start_ns = unix_now_ns();
  auto call = co_await make_call(ctx, target, ts);
  if (!call.ok()) {
    note_call(ctx, target, method, start_ns, &call.error());
    co_await respond_rpc_error(ctx, id, call.error());
    co_return;
  }
  call->relay_priming = true;
  auto stream = co_await up->request(std::move(*call), std::move(message));
  if (!stream.ok()) {
    note_call(ctx, target, method, start_ns, &stream.error());
    record_health(target, !transport_failure(stream.error()));
    if (stream.error().code == Errc::not_found) {
      co_await respond_error(ctx.exchange, stream.error(), ctx.response_headers, id);
    } else {
      co_await respond_rpc_error(ctx, id, stream.error());
    }
    co_return;
  }
  bool streaming = false;
  bool resumable = false;  // an event id went to the client: it can resume with Last-Event-ID
  bool retry_sent = false;
  // SSE text not yet written: events the target sent together (progress, then the result)
  // go to the client in one write, but nothing waits for more to come.
  std::string pending;
  for (;;) {
    if (!pending.empty() && !(*stream)->buffered()) {
      if (!co_await ctx.exchange.write_chunk(pending)) co_return;  // client gone: dropping the stream cancels upstream
      pending.clear();
    }
    auto next = co_await (*stream)->next();
    if (next.ok() && !next->has_value() && streaming && resumable) {
      // The target closed the stream before answering, after giving the client a position
      // (SEP-1699 polling): the client resumes with a GET; the answer comes there.
      log::debug("relay.stream_closed_for_resumption", {{"target", target.name}});
      note_call(ctx, target, method, start_ns, nullptr);
      record_health(target, true);
      co_await ctx.exchange.finish_stream(pending);
      co_return;
    }
    if (!next.ok() || !next->has_value()) {
      Error e = next.ok() ? Error(Errc::unavailable, "target " + target.name + " ended without answering")
                          : next.error();
      log::warn("relay.upstream_failed", {{"target", target.name}, {"reason", log_reason(e)}});
      note_call(ctx, target, method, start_ns, &e);
      record_health(target, !transport_failure(e));
      if (!streaming) {
        if (e.code == Errc::not_found)
          co_await respond_error(ctx.exchange, e, ctx.response_headers, id);
        else
          co_await respond_rpc_error(ctx, id, e);
      } else {
        pending += sse_event(jsonrpc_error(id, jsonrpc_code(e.code), e.message));
        co_await ctx.exchange.finish_stream(pending);
      }
      co_return;
    }
    auto& m = **next;
    if (m.empty()) {  // a priming event: an id and no message
      const auto upstream_id = (*stream)->last_event_id();
      if (!co_await start_streaming(ctx, **stream, streaming, retry_sent, pending)) co_return;
      // (Not inside the co_await: GCC 12 rejects a braced initializer there.)
      pending += sse_priming_event(encode_event_id({{target.name, upstream_id}}));
      resumable = true;
      continue;
    }
    bool final = !m.contains("method");
    if (final) {
      note_call(ctx, target, method, start_ns, nullptr);
      record_health(target, true);
    }
    to_client(ctx, target.name, method, m);
    if (final && !streaming) {
      co_await respond_json(ctx, m);
      co_return;
    }
    if (!co_await start_streaming(ctx, **stream, streaming, retry_sent, pending)) co_return;
    // Namespaced event id: a GET with it as Last-Event-ID resumes this target's stream.
    const auto upstream_id = (*stream)->last_event_id();
    const auto event_id = upstream_id.empty() ? std::string() : encode_event_id({{target.name, upstream_id}});
    resumable = resumable || !event_id.empty();
    pending += sse_event(m, event_id);
    if (final) {
      co_await ctx.exchange.finish_stream(pending);
      co_return;
    }
  }
}

// Which target a name-carrying request is for, rewriting the name in place. Without
// prefixes and with several targets, the owner is found by listing (first target wins,
// the same rule as in merged lists).
asio::awaitable<Result<const TargetSpec*>> resolve_target(RelayContext& ctx, const SessionState& session,
                                                          json::object& message, const TargetSession** ts) {
  std::string_view method = str_or(message, "method");
  auto* params = params_of(message);
  json::value* key = nullptr;
  bool is_uri = false;
  std::optional<ListKind> owner_list;
  if (params) {
    if (method == "tools/call" || method == "prompts/get") {
      key = params->if_contains("name");
      owner_list = method == "tools/call" ? ListKind::tools : ListKind::prompts;
    } else if (method.starts_with("resources/")) {
      key = params->if_contains("uri");
      is_uri = true;
      owner_list = ListKind::resources;
    } else if (method == "completion/complete") {
      if (auto* ref = params->if_contains("ref"); ref && ref->is_object()) {
        auto& r = ref->get_object();
        is_uri = str_or(r, "type") == "ref/resource";
        key = r.if_contains(is_uri ? "uri" : "name");
        owner_list = is_uri ? ListKind::resource_templates : ListKind::prompts;
      }
    }
  }
  auto targets = session_targets(ctx, session);
  if (targets.empty()) co_return fail(Errc::unavailable, "no target is available for this session");
  if (!key) {
    if (targets.size() == 1) {
      *ts = targets[0].second;
      co_return targets[0].first;
    }
    co_return fail(Errc::method_not_found, "Method not found: " + std::string(method));
  }
  if (!key->is_string()) co_return fail(Errc::invalid_params, "name must be a string");
  std::string_view name = key->get_string();
  if (ctx.prefix) {
    auto routed = is_uri ? unwrap_uri(name, ctx.target_names) : route_prefixed(name, ctx.target_names);
    const TargetSpec* t = routed ? live_target(ctx, session, routed->target, ts) : nullptr;
    if (!t) {
      co_return fail(Errc::invalid_params,
                     std::string(is_uri ? "Unknown resource: " : (method == "tools/call" ? "Unknown tool: " : "Unknown prompt: ")) +
                         std::string(name));
    }
    std::string upstream_name(routed->name);  // a view into *key: copy before replacing it
    *key = upstream_name;
    co_return t;
  }
  if (targets.size() == 1) {
    *ts = targets[0].second;
    co_return targets[0].first;
  }
  // Several targets, no prefixes: ask each for its list (the slow path; configure prefixes).
  std::vector<Job> jobs;
  for (auto& [t, s] : targets)
    jobs.push_back(Job{t, s, rpc_request(0, list_method(*owner_list))});
  auto outcomes = co_await fan_out(ctx, std::move(jobs));
  const char* field = *owner_list == ListKind::resources ? "uri"
                      : *owner_list == ListKind::resource_templates ? "uriTemplate" : "name";
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (!outcomes[i].ok) continue;
    auto* items = outcomes[i].result.if_contains(list_member(*owner_list));
    if (!items || !items->is_array()) continue;
    for (const auto& item : items->get_array())
      if (item.is_object() && str_or(item.get_object(), field) == name) {
        *ts = targets[i].second;
        co_return targets[i].first;
      }
  }
  // Resource URIs from templates are not listed: the first target gets the chance.
  if (is_uri) {
    *ts = targets[0].second;
    co_return targets[0].first;
  }
  co_return fail(Errc::invalid_params, std::string(method == "tools/call" ? "Unknown tool: " : "Unknown prompt: ") + std::string(name));
}

// The field naming a list item, and whether it is a URI (wrapped) or a name (prefixed).
std::string_view item_key(ListKind kind) {
  switch (kind) {
    case ListKind::resources: return "uri";
    case ListKind::resource_templates: return "uriTemplate";
    default: return "name";
  }
}

// Runs the policy list filters on the merged items and removes what they hide. Each item's
// target and upstream name are recovered from the client-visible name (prefixed), or from
// the first answer holding it (unprefixed: the same first-wins rule as the merge).
asio::awaitable<void> filter_merged(RelayContext& ctx, ListKind kind, std::span<const TargetAnswer> answers,
                                    json::array& merged) {
  auto key = item_key(kind);
  bool uri = kind == ListKind::resources || kind == ListKind::resource_templates;
  std::vector<ListedItem> items;
  items.reserve(merged.size());
  for (const auto& v : merged) {
    ListedItem li{{}, {}, v.is_object() ? &v.get_object() : nullptr};
    std::string_view shown = li.item ? str_or(*li.item, key) : std::string_view();
    if (ctx.prefix) {
      auto routed = uri ? unwrap_uri(shown, ctx.target_names) : route_prefixed(shown, ctx.target_names);
      if (routed) {
        li.target = routed->target;
        li.name = routed->name;
      }
    } else {
      li.name = shown;
      for (const auto& a : answers) {
        auto* arr = a.result->if_contains(list_member(kind));
        if (!arr || !arr->is_array()) continue;
        bool found = false;
        for (const auto& it : arr->get_array())
          if (it.is_object() && str_or(it.get_object(), key) == shown) found = true;
        if (found) {
          li.target = a.target;
          break;
        }
      }
    }
    items.push_back(std::move(li));
  }
  co_await ctx.chain->filter_list(*ctx.policy_request, kind, items);
  json::array kept;
  for (std::size_t i = 0; i < items.size(); ++i)
    if (items[i].keep) kept.push_back(std::move(merged[i]));
  merged = std::move(kept);
}

asio::awaitable<void> relay_list(RelayContext& ctx, const SessionState& session, ListKind kind,
                                 json::object message) {
  json::value id = message["id"];
  ListCursor cursor;
  if (auto* p = params_of(message); p && p->contains("cursor")) {
    auto* c = p->if_contains("cursor");
    auto decoded = c->is_string() ? decode_list_cursor(c->get_string()) : std::nullopt;
    if (!decoded) {
      co_await respond_rpc_error(ctx, id, Error(Errc::invalid_params, "Invalid cursor"));
      co_return;
    }
    cursor = std::move(*decoded);
  } else {
    for (auto& [t, s] : session_targets(ctx, session)) cursor.emplace_back(t->name, "");
  }
  std::vector<Job> jobs;
  for (auto& [name, upstream_cursor] : cursor) {
    const TargetSession* ts = nullptr;
    const TargetSpec* t = live_target(ctx, session, name, &ts);
    if (!t) continue;  // gone from the config or the session: nothing more to list there
    json::object m = rpc_request(id, str_or(message, "method"));
    json::object params;
    if (auto* p = params_of(message))
      if (auto* meta = p->if_contains("_meta")) params["_meta"] = *meta;
    if (!upstream_cursor.empty()) params["cursor"] = upstream_cursor;
    m["params"] = std::move(params);
    jobs.push_back({t, ts, std::move(m)});
  }
  auto outcomes = co_await fan_out(ctx, std::move(jobs));
  std::vector<TargetAnswer> answers;
  ListCursor next;
  for (auto& o : outcomes) {
    if (!o.ok) {
      // A target without this feature answers "method not found": it simply has no items.
      bool no_feature = o.rpc_error.is_object() && o.rpc_error.get_object().if_contains("code") &&
                        o.rpc_error.get_object().at("code") == -32601;
      if (!no_feature) {
        log::warn("relay.list_target_failed", {{"target", o.target->name}, {"reason", log_reason(o.error)}});
        if (fails_request(o)) {
          co_await respond_rpc_error(ctx, id, Error(Errc::unavailable, "target " + o.target->name + " is unavailable"));
          co_return;
        }
      }
      continue;
    }
    answers.push_back({o.target->name, &o.result});
    if (auto* nc = o.result.if_contains("nextCursor"); nc && nc->is_string() && !nc->get_string().empty())
      next.emplace_back(o.target->name, std::string(nc->get_string()));
  }
  std::vector<Collision> collisions;
  json::object result;
  auto merged = merge_list(kind, answers, ctx.prefix, &collisions);
  for (const auto& c : collisions)
    log::warn("relay.name_collision", {{"name", c.name}, {"kept", c.kept_target}, {"dropped", c.dropped_target}});
  if (ctx.chain && ctx.policy_request && !ctx.chain->empty())
    co_await filter_merged(ctx, kind, answers, merged);
  result[list_member(kind)] = std::move(merged);
  if (!next.empty()) result["nextCursor"] = encode_list_cursor(next);
  if (ctx.modern) {
    result["ttlMs"] = 0;
    result["cacheScope"] = "private";
  }
  co_await respond_json(ctx, ctx_result(ctx, id, std::move(result)));
}

}  // namespace

std::span<const std::string_view> legacy_versions() { return kLegacyVersions; }

std::string sse_retry(std::uint64_t ms) { return "retry: " + std::to_string(ms) + "\n\n"; }

std::string sse_priming_event(std::string_view id) {
  std::string out = "id: ";
  out += id;
  out += "\ndata: \n\n";
  return out;
}

std::string sse_event(const json::object& message, std::string_view id) {
  std::string out;
  if (!id.empty()) {
    out += "id: ";
    out += id;
    out += '\n';
  }
  out += "event: message\ndata: ";
  jsonrpc::append_json(out, message);  // JSON text has no raw newlines
  out += "\n\n";
  return out;
}

namespace {
net::Response json_response_text(unsigned status, std::string body, const Headers& headers) {
  net::Response res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  for (const auto& [k, v] : headers) res.set(k, v);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}
}  // namespace

net::Response json_response(unsigned status, const json::value& body, const Headers& headers) {
  return json_response_text(status, jsonrpc::to_json(body), headers);
}

net::Response json_response(unsigned status, const json::object& body, const Headers& headers) {
  return json_response_text(status, jsonrpc::to_json(body), headers);
}

json::object jsonrpc_error(const json::value& id, int code, std::string_view message) {
  return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

asio::awaitable<void> respond_error(net::Exchange& ex, const Error& error, const Headers& headers,
                                    const json::value& id) {
  co_await ex.respond(json_response(static_cast<unsigned>(http_status(error.code)),
                                    jsonrpc_error(id, jsonrpc_code(error.code), error.message), headers));
}

asio::awaitable<void> relay_initialize(RelayContext& ctx, json::object message) {
  json::value id = message["id"];
  std::string requested;
  if (auto* p = params_of(message)) requested = str_or(*p, "protocolVersion");
  if (requested.empty()) {
    co_await respond_rpc_error(ctx, id, Error(Errc::invalid_params, "protocolVersion is required"));
    co_return;
  }
  if (ctx.limits && !ctx.limits->may_open_session(ctx.limit_key, ctx.limit_spec)) {
    log::info("relay.session_limit", {{"limit", ctx.limit_spec.max_sessions}});
    Headers headers = ctx.response_headers;
    headers.emplace_back("Retry-After", "60");
    co_await ctx.exchange.respond(json_response(
        429, jsonrpc_error(id, jsonrpc_code(Errc::rate_limited), "Too many sessions for this caller: end one (DELETE) first"),
        headers));
    co_return;
  }
  std::vector<Job> jobs;
  for (const auto& t : ctx.route.targets) jobs.push_back({&t, nullptr, message});
  auto outcomes = co_await fan_out(ctx, std::move(jobs));

  SessionState session;
  std::vector<TargetAnswer> answers;
  std::vector<std::string> versions;
  for (auto& o : outcomes) {
    if (!o.ok) {
      log::warn("relay.initialize_target_failed", {{"target", o.target->name}, {"reason", log_reason(o.error)},
                                                   {"detail", o.error.message}});
      if (fails_request(o)) {
        co_await respond_rpc_error(ctx, id, Error(Errc::unavailable, "target " + o.target->name + " is unavailable"));
        co_return;
      }
      continue;
    }
    std::string v(str_or(o.result, "protocolVersion", requested));
    versions.push_back(v);
    session.targets.push_back({o.target->name, o.session_id, v});
    answers.push_back({o.target->name, &o.result});
  }
  if (answers.empty() && !ctx.route.targets.empty()) {
    co_await respond_rpc_error(ctx, id, Error(Errc::unavailable, "no target is available"));
    co_return;
  }
  auto version = choose_protocol_version(requested, versions, kLegacyVersions);
  if (!version) {
    co_await respond_rpc_error(ctx, id, Error(Errc::invalid_params, "no protocol version every target speaks"));
    co_return;
  }
  session.protocol_version = *version;
  session.issued_at = unix_now();
  session.expires_at = ctx.session_ttl.count() > 0 ? session.issued_at + ctx.session_ttl.count() : 0;
  session.principal = ctx.principal;
  auto result = merge_initialize(answers, *version, "gatehouse", ctx.server_version);
  Headers headers = ctx.response_headers;
  std::string sealed = ctx.codec.seal(session);
  if (ctx.limits) ctx.limits->session_opened(ctx.limit_key, sealed, session.expires_at);
  headers.emplace_back("Mcp-Session-Id", std::move(sealed));
  co_await ctx.exchange.respond(json_response(
      200, rpc_result(id, std::move(result)), headers));
}

asio::awaitable<void> relay_request(RelayContext& ctx, const SessionState& session, json::object message) {
  json::value id = message["id"];
  std::string method(str_or(message, "method"));
  if (method == "ping") {
    co_await respond_json(ctx, ctx_result(ctx, id, json::object()));
    co_return;
  }
  if (auto kind = list_kind(method)) {
    co_await relay_list(ctx, session, *kind, std::move(message));
    co_return;
  }
  if (method == "logging/setLevel") {
    std::vector<Job> jobs;
    for (auto& [t, s] : session_targets(ctx, session)) jobs.push_back({t, s, message});
    auto outcomes = co_await fan_out(ctx, std::move(jobs));
    for (auto& o : outcomes)
      if (fails_request(o)) {
        co_await respond_rpc_error(ctx, id, Error(Errc::unavailable, "target " + o.target->name + " is unavailable"));
        co_return;
      }
    co_await respond_json(ctx, ctx_result(ctx, id, json::object()));
    co_return;
  }
  // A retry of a multi round-trip request: the state goes back to the target that issued
  // it, unwrapped, and only for the caller, method and name it was issued for.
  std::optional<std::string> state_target;
  if (auto* p = params_of(message)) {
    auto* key = p->if_contains(method == "resources/read" ? "uri" : "name");
    if (key && key->is_string()) ctx.request_name = std::string(key->get_string());
    if (auto* state = p->if_contains("requestState"); state && ctx.modern) {
      RequestStateBinding binding{ctx.principal, method, ctx.request_name};
      auto unwrapped = state->is_string()
                           ? unwrap_request_state(ctx.codec.state_box(), binding, state->get_string(), unix_now())
                           : Result<UpstreamRequestState>(fail(Errc::invalid_params, "Invalid requestState"));
      if (!unwrapped.ok()) {
        log::info("relay.request_state_rejected", {{"method", method}});
        co_await respond_rpc_error(ctx, id, unwrapped.error());
        co_return;
      }
      *state = unwrapped->state;
      state_target = std::move(unwrapped->target);
    }
  }
  const TargetSession* ts = nullptr;
  auto target = co_await resolve_target(ctx, session, message, &ts);
  if (!target.ok()) {
    co_await respond_rpc_error(ctx, id, target.error());
    co_return;
  }
  if (state_target && *state_target != (*target)->name) {
    co_await respond_rpc_error(ctx, id, Error(Errc::invalid_params, "Invalid requestState", "mcp.request_state"));
    co_return;
  }
  co_await relay_to(ctx, **target, ts, std::move(message));
}

asio::awaitable<void> send_there(UpstreamPools& pools, asio::any_io_executor there, const TargetSpec& target,
                                 UpstreamCall call, json::object message, std::shared_ptr<Status> out) {
  auto up = pools.get(there, target);
  if (!up) {
    *out = fail(Errc::unavailable, "target " + target.name + " unavailable");
    co_return;
  }
  *out = co_await up->send(std::move(call), std::move(message));
}

// Sends `message` through the upstream of loop `loop` (the one whose upstream sent the
// request this answers): stdio children and legacy SSE connections are per loop, and an
// upstream is only ever touched from its own loop.
asio::awaitable<Status> send_on_loop(UpstreamPools& pools, unsigned loop, asio::any_io_executor here,
                                     const TargetSpec& target, UpstreamCall call, json::object message) {
  auto there = pools.loop_executor(loop);
  if (!there || pools.loop_index(here) == loop) {
    auto up = pools.get(here, target);
    if (!up) co_return fail(Errc::unavailable, "target " + target.name + " unavailable");
    co_return co_await up->send(std::move(call), std::move(message));
  }
  // A coroutine function, not a capturing lambda: its parameters live in its own frame.
  auto status = std::make_shared<Status>();
  co_await asio::co_spawn(*there, send_there(pools, *there, target, std::move(call), std::move(message), status),
                          asio::use_awaitable);
  co_return *status;
}

asio::awaitable<void> relay_client_message(RelayContext& ctx, const SessionState& session, json::object message) {
  auto accepted = [&]() -> asio::awaitable<void> {
    net::Response res{http::status::accepted, 11};
    for (const auto& [k, v] : ctx.response_headers) res.set(k, v);
    res.prepare_payload();
    co_await ctx.exchange.respond(std::move(res));
  };
  if (!message.contains("method")) {
    // A response to a server->client request: back to the target that asked.
    auto routed = message.contains("id") ? unwrap_request_id(message["id"]) : std::nullopt;
    const TargetSession* ts = nullptr;
    const TargetSpec* t = routed ? live_target(ctx, session, routed->target, &ts) : nullptr;
    if (!t) {
      co_await respond_error(ctx.exchange, Error(Errc::invalid_request, "response to an unknown request"),
                             ctx.response_headers);
      co_return;
    }
    message["id"] = routed->id;
    auto call = co_await make_call(ctx, *t, ts);
    Status st = call.ok() ? Status{} : Status(call.propagate());
    if (call.ok()) st = co_await send_on_loop(ctx.pools, routed->loop, ctx.exchange.executor(), *t, std::move(*call), std::move(message));
    if (!st.ok()) log::warn("relay.response_not_delivered", {{"target", t->name}, {"reason", log_reason(st.error())}});
    co_await accepted();
    co_return;
  }
  // Notifications go to every target of the session (initialized, cancelled, roots changes).
  for (auto& [t, s] : session_targets(ctx, session)) {
    auto up = ctx.pools.get(ctx.exchange.executor(), *t);
    if (!up) continue;
    auto call = co_await make_call(ctx, *t, s);
    Status st = call.ok() ? Status{} : Status(call.propagate());
    if (call.ok()) st = co_await up->send(std::move(*call), message);
    if (!st.ok()) log::debug("relay.notification_not_delivered", {{"target", t->name}});
  }
  co_await accepted();
}

asio::awaitable<void> relay_server_stream(RelayContext& ctx, const SessionState& session) {
  using namespace asio::experimental::awaitable_operators;
  auto ex = ctx.exchange.executor();
  auto merged = std::make_shared<MessageQueue>(ex);
  std::vector<std::shared_ptr<asio::cancellation_signal>> stops;
  std::size_t open = 0;
  // Resuming (Last-Event-ID): each target whose position the id carries resumes there.
  EventPositions positions;
  if (auto it = ctx.exchange.request().find("Last-Event-ID"); it != ctx.exchange.request().end())
    if (auto decoded = decode_event_id(it->value())) positions = std::move(*decoded);
  for (auto& [t, s] : session_targets(ctx, session)) {
    auto up = ctx.pools.get(ex, *t);
    if (!up) continue;
    auto call = co_await make_call(ctx, *t, s);
    if (!call.ok()) continue;
    if (auto pos = positions.find(t->name); pos != positions.end()) call->headers.emplace_back("Last-Event-ID", pos->second);
    auto stream = co_await up->open_stream(std::move(*call));
    if (!stream.ok()) {
      log::debug("relay.server_stream_unavailable", {{"target", t->name}, {"reason", log_reason(stream.error())}});
      continue;
    }
    ++open;
    auto stop = std::make_shared<asio::cancellation_signal>();
    stops.push_back(stop);
    std::string name = t->name;
    asio::co_spawn(
        ex,
        [merged, stop, name, s = std::move(*stream)]() mutable -> asio::awaitable<void> {
          for (;;) {
            auto m = co_await s->next();
            if (!m.ok() || !m->has_value()) break;
            auto item = tagged(name, std::move(**m));
            if (auto id = s->last_event_id(); !id.empty()) item["i"] = id;
            merged->push(std::move(item));
          }
        },
        asio::bind_cancellation_slot(stop->slot(), asio::detached));
  }
  if (!co_await ctx.exchange.begin_stream(sse_head(ctx.response_headers))) co_return;
  auto pump = [&]() -> asio::awaitable<void> {
    for (;;) {
      auto next = co_await merged->next();
      if (!next.ok() || !next->has_value()) co_return;
      auto& wrapper = **next;
      std::string target(wrapper["t"].as_string());
      auto& m = wrapper["m"].as_object();
      to_client(ctx, target, "", m);
      std::string event_id;
      if (auto* i = wrapper.if_contains("i"); i && i->is_string()) {
        positions[target] = std::string(i->get_string());
        event_id = encode_event_id(positions);
      }
      if (!co_await ctx.exchange.write_chunk(sse_event(m, event_id))) co_return;
    }
  };
  (void)open;
  co_await (pump() || ctx.exchange.wait_peer_closed());
  for (auto& s : stops) s->emit(asio::cancellation_type::terminal);
  if (!ctx.exchange.peer_closed()) co_await ctx.exchange.end_stream();
}

asio::awaitable<void> relay_delete(RelayContext& ctx, const SessionState& session) {
  if (ctx.limits) ctx.limits->session_closed(ctx.limit_key, ctx.session_id);
  for (auto& [t, s] : session_targets(ctx, session)) {
    if (s->upstream_session_id.empty()) continue;
    auto up = ctx.pools.get(ctx.exchange.executor(), *t);
    if (!up) continue;
    if (auto call = co_await make_call(ctx, *t, s); call.ok()) (void)co_await up->close_session(std::move(*call));
  }
  net::Response res{http::status::ok, 11};
  for (const auto& [k, v] : ctx.response_headers) res.set(k, v);
  res.prepare_payload();
  co_await ctx.exchange.respond(std::move(res));
}

asio::awaitable<void> relay_modern(RelayContext& ctx, json::object message) {
  ctx.modern = true;
  SessionState stateless;
  stateless.protocol_version = kModernVersion;
  for (const auto& t : ctx.route.targets) stateless.targets.push_back({t.name, "", std::string(kModernVersion)});
  // Unknown Mcp-Param-* headers belong to the tool's arguments: they go upstream as sent.
  for (const auto& f : ctx.exchange.request()) {
    std::string_view name = f.name_string();
    if (name.size() > 10 && std::equal(name.begin(), name.begin() + 10, "mcp-param-", [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        }))
      ctx.forward_headers.emplace_back(std::string(name), std::string(f.value()));
  }
  if (!message.contains("id")) {
    co_await relay_client_message(ctx, stateless, std::move(message));
    co_return;
  }
  if (str_or(message, "method") != "server/discover") {
    co_await relay_request(ctx, stateless, std::move(message));
    co_return;
  }
  json::value id = message["id"];
  std::vector<Job> jobs;
  for (const auto& t : ctx.route.targets) jobs.push_back({&t, stateless.find(t.name), message});
  auto outcomes = co_await fan_out(ctx, std::move(jobs));
  std::vector<TargetAnswer> answers;
  for (auto& o : outcomes) {
    if (!o.ok) {
      log::warn("relay.discover_target_failed", {{"target", o.target->name}, {"reason", log_reason(o.error)}});
      if (fails_request(o)) {
        co_await respond_rpc_error(ctx, id, Error(Errc::unavailable, "target " + o.target->name + " is unavailable"));
        co_return;
      }
      continue;
    }
    answers.push_back({o.target->name, &o.result});
  }
  if (answers.empty() && !ctx.route.targets.empty()) {
    co_await respond_rpc_error(ctx, id, Error(Errc::unavailable, "no target is available"));
    co_return;
  }
  co_await respond_json(ctx, ctx_result(ctx, id, merge_discover(answers, "gatehouse", ctx.server_version)));
}

}  // namespace gatehouse::gateway
