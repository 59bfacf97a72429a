#include "app/request_telemetry.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <string>

#include "core/log.hpp"
#include "observe/propagation.hpp"
#include "observe/trace_context.hpp"

namespace gatehouse::app {
namespace http = boost::beast::http;

namespace {

std::string endpoint_text(const boost::asio::ip::tcp::endpoint& e) {
  auto a = e.address();
  if (a.is_v4()) {
    // Every request's line has one: digits written here, not through inet_ntop and three
    // temporary strings.
    const auto bytes = a.to_v4().to_bytes();
    char buf[24];
    char* p = buf;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      if (i) *p++ = '.';
      p = std::to_chars(p, buf + sizeof buf, static_cast<unsigned>(bytes[i])).ptr;
    }
    *p++ = ':';
    p = std::to_chars(p, buf + sizeof buf, static_cast<unsigned>(e.port())).ptr;
    return std::string(buf, p);
  }
  std::string host = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
  return host + ":" + std::to_string(e.port());
}

// The outcome of an MCP call as a small closed set, so metric cardinality stays bounded.
std::string_view outcome_of(const gateway::RequestRecord& r) {
  if (r.rate_limited) return "limited";
  if (r.decision == "deny") return "denied";
  if (r.status == 0) return "client_gone";
  if (r.status >= 500) return "error";
  if (r.status >= 400) return "rejected";
  return "ok";
}

}  // namespace

gateway::RequestStartObserver request_start_observer(std::shared_ptr<observe::Telemetry> telemetry) {
  return [telemetry](gateway::RequestRecord& r) {
    const auto incoming = observe::extract_trace_headers(*r.request);
    auto span = std::make_shared<observe::Span>(
        telemetry->tracer().start_server_span("mcp.request", incoming.traceparent, incoming.tracestate));
    span->kind = observe::SpanKind::server;
    r.upstream_traceparent = observe::format_traceparent(span->context.traceparent());
    r.observer_state = std::move(span);
  };
}

gateway::RequestObserver request_observer(std::shared_ptr<observe::Telemetry> telemetry) {
  return [telemetry](const gateway::RequestRecord& r) {
    std::string trace_id;
    auto span = std::static_pointer_cast<observe::Span>(r.observer_state);
    if (span) trace_id = observe::format_traceparent(span->context.traceparent()).substr(3, 32);
    // A span nobody records (not sampled, or no exporter) is discarded by end(): skip its
    // attributes and children, whose ids alone cost a CSPRNG call each.
    if (span && span->context.sampled && telemetry->tracer().options().record) {
      span->name = r.mcp_method.empty() ? "mcp " + r.http_method : "mcp " + r.mcp_method;
      span->set("http.request.method", r.http_method);
      span->set("http.response.status_code", static_cast<std::int64_t>(r.status));
      span->set("gatehouse.route", r.route);
      if (!r.mcp_method.empty()) span->set("mcp.method.name", r.mcp_method);
      if (!r.target.empty()) span->set("gatehouse.target", r.target);
      if (!r.tool.empty()) span->set("gen_ai.tool.name", r.tool);
      if (!r.decision.empty()) span->set("gatehouse.decision", r.decision);
      if (!r.decision_rule.empty()) span->set("gatehouse.rule", r.decision_rule);
      if (r.status >= 500 || r.status == 0) span->set_error(r.status == 0 ? "client gone" : "upstream or gateway error");
      // Child spans: each policy that ran (authn, rate limit, authz) and each upstream call.
      for (const auto& step : r.stages) {
        auto child = telemetry->tracer().start_child(span->context, "policy " + step.name);
        child.start_ns = step.start_ns;
        child.end_ns = step.end_ns;
        child.set("gatehouse.policy", step.name);
        child.set("gatehouse.outcome", step.ok ? "proceed" : "respond");
        telemetry->tracer().end(std::move(child));
      }
      for (const auto& call : r.upstream_calls) {
        auto child = telemetry->tracer().start_child(span->context, "upstream " + call.name, observe::SpanKind::client);
        child.start_ns = call.start_ns;
        child.end_ns = call.end_ns;
        child.set("gatehouse.target", call.target);
        if (!call.name.empty()) child.set("mcp.method.name", call.name);
        if (!call.ok) child.set_error(call.error);
        telemetry->tracer().end(std::move(child));
      }
      telemetry->tracer().end(std::move(*span));
    }
    const auto& m = telemetry->metrics();
    for (const auto& call : r.upstream_calls)
      m.upstream_latency->with({call.target}).observe(static_cast<double>(call.end_ns - call.start_ns) / 1e9);
    const std::string status = std::to_string(r.status);
    m.http_requests->with({r.route, r.http_method, status}).inc();
    if (!r.mcp_method.empty()) {
      m.mcp_calls->with({r.target, r.mcp_method, r.tool, outcome_of(r)}).inc();
      if (!r.decision.empty()) m.authz->with({r.decision_rule.empty() ? "rules" : r.decision_rule, r.decision}).inc();
      if (r.rate_limited) m.ratelimit_hits->with({r.decision_rule}).inc();
    }
    if (!r.authn_outcome.empty())
      m.authn->with({r.authn_provider.empty() ? "none" : r.authn_provider, r.authn_outcome}).inc();
    if (auto* log = telemetry->access_log()) {
      // Views of the record's own strings: nothing is copied for the line but the headers
      // it keeps (a few of a request's).
      std::pair<std::string_view, std::string_view> header_buf[16];
      std::size_t header_count = 0;
      std::vector<std::pair<std::string_view, std::string_view>> more;
      if (r.request)
        for (const auto& h : *r.request) {
          if (!log->header_allowed(h.name_string())) continue;
          if (header_count < std::size(header_buf)) header_buf[header_count++] = {h.name_string(), h.value()};
          else more.emplace_back(h.name_string(), h.value());
        }
      if (!more.empty()) more.insert(more.begin(), header_buf, header_buf + header_count);
      const std::string remote = endpoint_text(r.remote);
      log->write_view(observe::AccessView{
          .route = r.route,
          .method = r.http_method,
          .mcp_method = r.mcp_method,
          .target = r.target,
          .tool = r.tool,
          .session = r.session,
          .principal = r.subject,  // who called, readable; the session-binding key is a digest
          .decision = r.rate_limited ? std::string_view("limited") : std::string_view(r.decision),
          .rule = r.decision_rule,
          .error = r.decision_reason,
          .status = r.status,
          .latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - r.started).count(),
          .bytes_in = r.bytes_in,
          .bytes_out = r.bytes_out,
          .trace_id = trace_id,
          .remote = remote,
          .headers = more.empty() ? std::span<const std::pair<std::string_view, std::string_view>>(header_buf, header_count)
                                  : std::span<const std::pair<std::string_view, std::string_view>>(more)});
    }
  };
}

net::Handler admin_handler(std::shared_ptr<observe::Telemetry> telemetry,
                           std::shared_ptr<const std::function<void()>> before_scrape) {
  return [telemetry, before_scrape](net::Exchange& ex) -> boost::asio::awaitable<void> {
    const auto& req = ex.request();
    std::string_view target = req.target();
    std::string_view path = target.substr(0, target.find('?'));
    std::string_view query = target.size() > path.size() ? target.substr(path.size() + 1) : std::string_view{};
    net::Response res{http::status::ok, 11};
    res.set(http::field::cache_control, "no-store");
    if (path == "/metrics" && req.method() == http::verb::get) {
      res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      if (before_scrape && *before_scrape) (*before_scrape)();
      res.body() = telemetry->registry().render();
    } else if (path == "/loglevel" && req.method() == http::verb::get) {
      res.set(http::field::content_type, "application/json");
      res.body() = std::string(R"({"level":")") + std::string(log::to_string(log::level())) + "\"}";
    } else if (path == "/loglevel" && (req.method() == http::verb::put || req.method() == http::verb::post)) {
      res.set(http::field::content_type, "application/json");
      std::string_view level = query.starts_with("level=") ? query.substr(6) : std::string_view(req.body());
      if (auto parsed = log::parse_level(std::string(level))) {
        log::set_level(*parsed);
        log::info("log.level_changed", {{"level", std::string(level)}});
        res.body() = std::string(R"({"level":")") + std::string(log::to_string(*parsed)) + "\"}";
      } else {
        res.result(http::status::bad_request);
        res.body() = R"({"error":"level must be trace, debug, info, warn or error"})";
      }
    } else {
      res.result(http::status::not_found);
      res.set(http::field::content_type, "application/json");
      res.body() = R"({"error":"not found"})";
    }
    res.prepare_payload();
    co_await ex.respond(std::move(res));
  };
}

}  // namespace gatehouse::app
