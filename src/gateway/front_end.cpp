#include "gateway/front_end.hpp"
#include "gateway/recording_exchange.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

#include "core/log.hpp"
#include "gateway/era.hpp"
#include "gateway/message_storage.hpp"
#include "gateway/relay.hpp"

namespace gatehouse::gateway {
namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]" || host == "::1";
}

Error unsupported_version() {
  return Error(Errc::bad_request, "Unsupported protocol version", "mcp.unsupported_version");
}

json::value unsupported_version_body(const json::value& id, std::string_view requested) {
  json::array supported;
  for (auto v : legacy_versions()) supported.push_back(json::value(v));
  json::object data;
  data["supported"] = std::move(supported);
  data["requested"] = requested;
  json::object err;
  err["code"] = -32022;
  err["message"] = "Unsupported protocol version";
  err["data"] = std::move(data);
  json::object body;
  body["jsonrpc"] = "2.0";
  body["id"] = id;
  body["error"] = std::move(err);
  return body;
}

std::string_view header(const net::Request& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string_view() : std::string_view(it->value());
}

// Ends the caller's in-flight count when its answer is complete, not when the handler
// unwinds after writing it: a client that has read the answer may send its next request at
// once, and must not find itself still counted (a spurious 429 "in flight").
class ReleasesOnAnswer final : public net::Exchange {
 public:
  explicit ReleasesOnAnswer(net::Exchange& inner) : inner_(inner) {}
  void hold(PrincipalLimits::InFlight guard) { guard_.emplace(std::move(guard)); }

  const net::Request& request() const override { return inner_.request(); }
  const asio::ip::tcp::endpoint& remote() const override { return inner_.remote(); }
  asio::any_io_executor executor() const override { return inner_.executor(); }
  asio::awaitable<bool> respond(net::Response response) override {
    guard_.reset();
    return inner_.respond(std::move(response));
  }
  asio::awaitable<bool> begin_stream(net::ResponseHead head) override { return inner_.begin_stream(std::move(head)); }
  asio::awaitable<bool> write_chunk(std::string_view data) override { return inner_.write_chunk(data); }
  asio::awaitable<void> end_stream() override {
    guard_.reset();
    return inner_.end_stream();
  }
  asio::awaitable<void> finish_stream(std::string_view last) override {
    guard_.reset();
    return inner_.finish_stream(last);
  }
  asio::awaitable<void> wait_peer_closed() override { return inner_.wait_peer_closed(); }
  bool peer_closed() const override { return inner_.peer_closed(); }
  SSL* tls_session() const override { return inner_.tls_session(); }

 private:
  net::Exchange& inner_;
  std::optional<PrincipalLimits::InFlight> guard_;
};

}  // namespace

void resolve_names(const RouteSpec& route, bool prefix, std::span<const std::string> targets,
                   PolicyRequest& preq) {
  std::string_view method = preq.method;
  std::string* upstream = nullptr;
  bool is_uri = false;
  if (method == "tools/call") {
    upstream = &preq.tool;
  } else if (method == "prompts/get") {
    upstream = &preq.prompt;
  } else if (method == "resources/read" || method == "resources/subscribe" ||
             method == "resources/unsubscribe") {
    upstream = &preq.resource_uri;
    is_uri = true;
  }
  if (!upstream || preq.name.empty()) return;
  if (prefix) {
    auto routed = is_uri ? unwrap_uri(preq.name, targets) : route_prefixed(preq.name, targets);
    if (!routed) return;  // unknown: the relay answers it like any unknown name
    preq.target = routed->target;
    *upstream = routed->name;
    return;
  }
  *upstream = preq.name;
  if (route.targets.size() == 1) preq.target = route.targets.front().name;
}

bool accepts(std::string_view accept, std::string_view type) {
  auto slash = type.find('/');
  while (!accept.empty()) {
    auto comma = accept.find(',');
    auto item = trim(accept.substr(0, comma));
    item = trim(item.substr(0, item.find(';')));
    if (item == "*/*" || iequals_prefix(item, type) && item.size() == type.size()) return true;
    if (item.size() == slash + 2 && item.ends_with("/*") && iequals_prefix(item, type.substr(0, slash + 1)))
      return true;
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return false;
}

bool origin_allowed(std::string_view origin, const RouteSpec& route) {
  if (origin.empty()) return true;
  if (std::find(route.allowed_origins.begin(), route.allowed_origins.end(), origin) != route.allowed_origins.end())
    return true;
  auto url = boost::urls::parse_absolute_uri(origin);
  if (!url) return false;
  return is_loopback_host(url->host());
}

FrontEnd::FrontEnd(std::shared_ptr<const SessionCodec> codec, std::shared_ptr<UpstreamPools> pools,
                   std::string server_version)
    : codec_(std::move(codec)), pools_(std::move(pools)), server_version_(std::move(server_version)) {}

void FrontEnd::update(SnapshotPtr snapshot) {
  auto chain = build_policy_chain(*snapshot);
  update(std::move(snapshot), std::move(chain));
}

void FrontEnd::update(SnapshotPtr snapshot, std::shared_ptr<const PolicyChain> chain) {
  auto live = std::make_shared<Live>();
  live->chain = std::move(chain);
  live->snapshot = std::move(snapshot);
  live_.store(std::move(live));
}

SnapshotPtr FrontEnd::snapshot() const {
  auto live = live_.load();
  return live ? live->snapshot : nullptr;
}

asio::awaitable<void> FrontEnd::handle(net::Exchange& ex, std::string_view listener) {
  auto live = live_.load();
  if (!live) {
    co_await respond_error(ex, Error(Errc::unavailable, "not configured"), {});
    co_return;
  }
  if (!observer_) {
    try {
      co_await handle_checked(ex, std::move(live), listener, nullptr);
    } catch (const std::exception& e) {
      // A bug, not input: input errors are Results. Answer rather than drop the connection.
      log::error("gateway.handler_exception", {{"what", e.what()}});
    }
    co_return;
  }
  RequestRecord record;
  record.listener = std::string(listener);
  record.http_method = std::string(ex.request().method_string());
  record.bytes_in = ex.request().body().size();
  record.remote = ex.remote();
  record.request = &ex.request();
  if (auto it = ex.request().find("Mcp-Session-Id"); it != ex.request().end()) record.session = std::string(it->value());
  if (start_observer_) start_observer_(record);
  RecordingExchange recording(ex, record);
  try {
    co_await handle_checked(recording, std::move(live), listener, &record);
  } catch (const std::exception& e) {
    log::error("gateway.handler_exception", {{"what", e.what()}});
  }
  observer_(record);
}

asio::awaitable<void> FrontEnd::handle_checked(net::Exchange& ex, std::shared_ptr<const Live> live,
                                               std::string_view listener, RequestRecord* record) {
  const auto& req = ex.request();
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));
  const RouteSpec* route = live->snapshot->match(header(req, "Host"), path, listener);
  if (!route) {
    co_await respond_error(ex, Error(Errc::not_found, "no MCP endpoint here"), {});
    co_return;
  }
  if (record) record->route = route->name;
  if (!origin_allowed(header(req, "Origin"), *route)) {
    co_await respond_error(ex, Error(Errc::forbidden, "Origin not allowed", "mcp.origin"), {});
    co_return;
  }
  auto verb = req.method();
  if (verb != http::verb::post && verb != http::verb::get && verb != http::verb::delete_) {
    net::Response res{http::status::method_not_allowed, 11};
    res.set(http::field::allow, "GET, POST, DELETE");
    res.prepare_payload();
    co_await ex.respond(std::move(res));
    co_return;
  }

  ReleasesOnAnswer answer(ex);
  RelayContext ctx{answer, *route, route->target_names(), prefixing(route->prefix, route->targets.size()),
                   *pools_, *codec_};
  ctx.session_ttl = live->snapshot->session_ttl;
  // W3C trace context: upstreams continue the trace of this request (its server span).
  if (record && !record->upstream_traceparent.empty())
    ctx.forward_headers.emplace_back("traceparent", record->upstream_traceparent);
  ctx.server_version = server_version_;

  json::object message(message_storage());
  std::string_view method;
  std::string_view name;
  json::value id = nullptr;
  Era era = Era::legacy;
  std::string_view version_header = header(req, "MCP-Protocol-Version");
  if (verb == http::verb::post) {
    if (!iequals_prefix(header(req, "Content-Type"), "application/json")) {
      co_await respond_error(ex, Error(Errc::unsupported_media_type, "Content-Type must be application/json"), {});
      co_return;
    }
    auto accept = header(req, "Accept");
    if (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream")) {
      co_await respond_error(ex, Error(Errc::not_acceptable,
                                       "Accept must include application/json and text/event-stream"), {});
      co_return;
    }
    if (req.body().size() > route->max_body_bytes) {
      co_await respond_error(ex, Error(Errc::payload_too_large, "body too large"), {});
      co_return;
    }
    boost::system::error_code ec;
    // Parsed into the message's own storage: the move into `message` below keeps it.
    auto parsed = json::parse(req.body(), ec, message.storage());
    if (ec) {
      co_await respond_error(ex, Error(Errc::parse_error, "Parse error"), {});
      co_return;
    }
    if (!parsed.is_object()) {
      co_await respond_error(ex, Error(Errc::invalid_request, "Invalid Request: one JSON-RPC message per POST"), {});
      co_return;
    }
    message = std::move(parsed.get_object());
    if (auto* v = message.if_contains("jsonrpc"); !v || !v->is_string() || v->get_string() != "2.0") {
      co_await respond_error(ex, Error(Errc::invalid_request, "Invalid Request: jsonrpc must be \"2.0\""), {});
      co_return;
    }
    if (auto* m = message.if_contains("method")) {
      if (!m->is_string()) {
        co_await respond_error(ex, Error(Errc::invalid_request, "Invalid Request: method must be a string"), {});
        co_return;
      }
      method = m->get_string();
    }
    if (auto* i = message.if_contains("id")) {
      if (!(i->is_string() || i->is_int64() || i->is_uint64() || (i->is_null() && method.empty()))) {
        co_await respond_error(ex, Error(Errc::invalid_request, "Invalid Request: bad id"), {});
        co_return;
      }
      id = *i;
    }
    if (auto* p = message.if_contains("params"); p && p->is_object()) {
      auto& po = p->get_object();
      if (auto* n = po.if_contains("name"); n && n->is_string()) name = n->get_string();
      else if (auto* u = po.if_contains("uri"); u && u->is_string()) name = u->get_string();
    }
    EraHeaders eh{version_header, header(req, "Mcp-Method"), header(req, "Mcp-Name"),
                  req.find("Mcp-Method") != req.end(), req.find("Mcp-Name") != req.end()};
    if (auto rejection = classify_era(eh, message, era)) {
      json::object err{{"code", rejection->code}, {"message", rejection->message}};
      if (!rejection->data.empty()) err["data"] = std::move(rejection->data);
      json::object body{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(err)}};
      co_await ex.respond(json_response(rejection->status, body, {}));
      co_return;
    }
  } else if (!version_header.empty() && version_header >= kModernVersion) {
    // The 2026-07-28 era has no GET stream and no session to DELETE.
    net::Response res{http::status::method_not_allowed, 11};
    res.set(http::field::allow, "POST");
    res.prepare_payload();
    co_await ex.respond(std::move(res));
    co_return;
  }

  PolicyRequest preq{req, ex.remote(), route->path, era, method, name};
  if (message.contains("id")) preq.id = &id;
  preq.tls = ex.tls_session();
  if (auto* p = message.if_contains("params"); p && p->is_object()) {
    preq.params = &p->get_object();
    if (method == "tools/call")
      if (auto* a = preq.params->if_contains("arguments"); a && a->is_object()) preq.arguments = &a->get_object();
  }
  resolve_names(*route, ctx.prefix, ctx.target_names, preq);
  // Copies what the chain learned into the record, whichever way the request ends.
  auto note = [record, &preq] {
    if (!record) return;
    record->mcp_method = std::string(preq.method);
    record->name = std::string(preq.name);
    record->target = preq.target;
    record->tool = !preq.tool.empty() ? preq.tool : !preq.prompt.empty() ? preq.prompt : preq.resource_uri;
    record->principal = preq.principal;
    record->subject = preq.subject;
    record->authn_outcome = preq.authn_outcome;
    record->authn_provider = preq.authn_provider;
    record->decision = preq.decision;
    record->decision_rule = preq.decision_rule;
    record->decision_reason = preq.decision_reason;
    record->rate_limited = preq.rate_limited;
    record->stages = preq.stage_times;
  };
  note();
  if (!live->chain->empty()) {
    Decision d = co_await live->chain->run(preq);
    note();
    if (d.kind == Decision::Kind::respond) {
      auto res = std::move(*d.response);
      for (auto& [k, v] : d.headers) res.set(k, v);
      co_await ex.respond(std::move(res));
      co_return;
    }
    ctx.response_headers = std::move(d.headers);
  }
  ctx.principal = preq.principal;
  ctx.record = record;
  ctx.chain = live->chain.get();
  ctx.policy_request = &preq;
  // Per-principal limits (after authentication, so the caller is known).
  ctx.limits = limits_.get();
  ctx.limit_spec = live->snapshot->principal_limits;
  ctx.limit_key = !preq.principal.empty() ? preq.principal : "addr:" + ex.remote().address().to_string();
  bool too_many = false;
  answer.hold(limits_->enter(ctx.limit_key, ctx.limit_spec, &too_many));
  if (too_many) {
    log::info("gateway.in_flight_limit", {{"limit", ctx.limit_spec.max_in_flight}});
    Headers headers = ctx.response_headers;
    headers.emplace_back("Retry-After", "1");
    co_await ex.respond(json_response(
        429, jsonrpc_error(id, jsonrpc_code(Errc::rate_limited), "Too many requests in flight for this caller"), headers));
    co_return;
  }

  if (era == Era::modern) {
    co_await relay_modern(ctx, std::move(message));
    co_return;
  }
  if (method == "initialize") {
    co_await relay_initialize(ctx, std::move(message));
    co_return;
  }
  if (!version_header.empty() &&
      std::find(legacy_versions().begin(), legacy_versions().end(), version_header) == legacy_versions().end()) {
    co_await answer.respond(json_response(400, unsupported_version_body(id, version_header), ctx.response_headers));
    co_return;
  }
  auto session_id = header(req, "Mcp-Session-Id");
  if (session_id.empty()) {
    co_await respond_error(answer, Error(Errc::bad_request, "Bad Request: Mcp-Session-Id header is required"),
                           ctx.response_headers, id);
    co_return;
  }
  auto session = codec_->unseal(session_id, unix_now(), ctx.principal);
  if (!session.ok()) {
    co_await respond_error(answer, session.error(), ctx.response_headers, id);
    co_return;
  }
  ctx.session_id = std::string(session_id);
  limits_->session_used(ctx.limit_key, ctx.session_id);
  if (verb == http::verb::get) {
    if (!accepts(header(req, "Accept"), "text/event-stream")) {
      co_await respond_error(answer, Error(Errc::not_acceptable, "Accept must include text/event-stream"), ctx.response_headers);
      co_return;
    }
    co_await relay_server_stream(ctx, *session);
    co_return;
  }
  if (verb == http::verb::delete_) {
    co_await relay_delete(ctx, *session);
    co_return;
  }
  if (!method.empty() && message.contains("id")) {
    co_await relay_request(ctx, *session, std::move(message));
  } else {
    co_await relay_client_message(ctx, *session, std::move(message));
  }
}

}  // namespace gatehouse::gateway
