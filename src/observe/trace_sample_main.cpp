// gatehouse-trace-sample: records the spans of one gateway request (server span from an
// optional incoming traceparent, then authn, authz and an upstream client span) and
// exports them over OTLP/HTTP JSON to a collector, as the gateway will.
//   gatehouse-trace-sample --url http://127.0.0.1:P/v1/traces [--traceparent H]
//                          [--tracestate H] [--ratio R] [--requests N]
//                          [--access-log PATH] [--audit-log PATH]
// With the log options it also writes, per request, the access line and the audit record
// the gateway would (the request carried an Authorization header that must not appear).
// Prints one JSON line: {"trace_ids":[...],"upstream_traceparent":"...","exported":N,"failed":N}
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <cstring>
#include <iostream>
#include <string>

#include "observe/access_log.hpp"
#include "observe/audit_log.hpp"
#include "observe/otlp_exporter.hpp"

using namespace gatehouse::observe;

int main(int argc, char** argv) {
  std::string url, traceparent, tracestate, access_path, audit_path;
  double ratio = 1.0;
  int requests = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view k = argv[i];
    if (k == "--url") url = argv[i + 1];
    else if (k == "--traceparent") traceparent = argv[i + 1];
    else if (k == "--tracestate") tracestate = argv[i + 1];
    else if (k == "--ratio") ratio = std::stod(argv[i + 1]);
    else if (k == "--requests") requests = std::stoi(argv[i + 1]);
    else if (k == "--access-log") access_path = argv[i + 1];
    else if (k == "--audit-log") audit_path = argv[i + 1];
  }
  boost::asio::io_context io;
  auto tracer_ptr = std::make_shared<Tracer>(TracerOptions{.sampler = {.ratio = ratio}, .queue_capacity = 4096, .batch_size = 8});
  Tracer& tracer = *tracer_ptr;
  auto exporter = OtlpExporter::create(io.get_executor(), tracer_ptr,
                                       {.url = url, .service_version = "0.1.0", .max_batch = 8,
                                        .flush_interval = std::chrono::milliseconds(200)});
  if (!exporter) {
    std::cerr << exporter.error().message << "\n";
    return 2;
  }
  (*exporter)->start();
  std::unique_ptr<AccessLog> access;
  std::unique_ptr<AuditLog> audit;
  if (!access_path.empty()) {
    auto sink = LogSink::open(access_path);
    if (!sink) return 2;
    access = std::make_unique<AccessLog>(*sink);
  }
  if (!audit_path.empty()) {
    auto sink = LogSink::open(audit_path);
    if (!sink) return 2;
    audit = std::make_unique<AuditLog>(*sink);
  }

  std::string ids, upstream;
  for (int r = 0; r < requests; ++r) {
    auto request = tracer.start_server_span("POST /mcp", traceparent, tracestate);
    request.set("http.request.method", "POST");
    request.set("url.path", "/mcp");
    request.set("mcp.method.name", "tools/call");
    auto authn = tracer.start_child(request.context, "authenticate");
    authn.set("gatehouse.authn.provider", "oidc");
    authn.set("enduser.id", "alice");
    tracer.end(std::move(authn));
    auto authz = tracer.start_child(request.context, "authorize");
    authz.set("gatehouse.authz.decision", "allow");
    authz.set("gatehouse.authz.rule", "cel:allow-weather");
    tracer.end(std::move(authz));
    auto call = tracer.start_child(request.context, "tools/call get_forecast", SpanKind::client);
    call.set("gatehouse.target", "weather");
    call.set("gen_ai.tool.name", "get_forecast");
    call.set("http.response.status_code", 200);
    call.set("gatehouse.retried", false);
    call.set("gatehouse.upstream.latency_ms", 12.5);
    upstream = format_traceparent(call.context.traceparent());
    tracer.end(std::move(call));
    auto failed = tracer.start_child(request.context, "tools/call flaky", SpanKind::client);
    failed.set_error("upstream timeout");
    tracer.end(std::move(failed));
    request.set("http.response.status_code", 200);
    if (!ids.empty()) ids += ',';
    ids += "\"" + to_hex(request.context.trace_id) + "\"";
    auto trace_id = to_hex(request.context.trace_id);
    auto latency_ms = static_cast<double>(unix_now_ns() - request.start_ns) / 1e6;
    tracer.end(std::move(request));
    if (access) {
      AccessRecord rec;
      rec.route = "/mcp";
      rec.method = "POST";
      rec.mcp_method = "tools/call";
      rec.target = "weather";
      rec.tool = "get_forecast";
      rec.session = "sealed-session-id-" + std::to_string(r);
      rec.principal = "alice";
      rec.decision = "allow";
      rec.rule = "cel:allow-weather";
      rec.status = 200;
      rec.latency_ms = latency_ms;
      rec.bytes_in = 187;
      rec.bytes_out = 412;
      rec.trace_id = trace_id;
      rec.remote = "127.0.0.1:50312";
      rec.headers = {{"Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln"},
                     {"User-Agent", "mcp-sdk/1.32.2"},
                     {"Mcp-Protocol-Version", "2025-11-25"},
                     {"Mcp-Session-Id", rec.session}};
      access->write(rec);
    }
    if (audit) {
      audit->write({.principal = "alice", .client = "agent-1", .action = "tools/call", .target = "weather",
                    .resource = "get_forecast", .decision = "allow", .policy = "cel", .rule = "cel:allow-weather",
                    .session = "sealed-session-id-" + std::to_string(r), .trace_id = trace_id,
                    .remote = "127.0.0.1:50312"});
    }
  }
  (*exporter)->stop();
  io.run();  // the export loop sends what is queued and returns
  std::cout << "{\"trace_ids\":[" << ids << "],\"upstream_traceparent\":\"" << upstream
            << "\",\"exported\":" << (*exporter)->exported() << ",\"failed\":" << (*exporter)->failed()
            << ",\"dropped\":" << tracer.dropped() << "}" << std::endl;
  return (*exporter)->failed() == 0 ? 0 : 1;
}
