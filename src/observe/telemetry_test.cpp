#include "observe/telemetry.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "observe/propagation.hpp"

namespace gatehouse::observe {
namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;

TEST(Propagation, ExtractsSingleHeadersAndInjectsOurSpan) {
  http::fields in;
  in.set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  in.set("tracestate", "rojo=1");
  auto got = extract_trace_headers(in);
  EXPECT_EQ(got.traceparent, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(got.tracestate, "rojo=1");

  Tracer tracer;
  auto server = tracer.start_server_span("req", got.traceparent, got.tracestate);
  auto client = tracer.start_child(server.context, "upstream", SpanKind::client);
  http::fields out;
  out.insert("traceparent", "00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01");  // caller's, forwarded by mistake
  out.insert("traceparent", "junk");
  inject_trace_headers(out, client.context);
  EXPECT_EQ(std::distance(out.equal_range("traceparent").first, out.equal_range("traceparent").second), 1);
  EXPECT_EQ(out["traceparent"], "00-4bf92f3577b34da6a3ce929d0e0e4736-" + to_hex(client.context.span_id) + "-01");
  EXPECT_EQ(out["tracestate"], "rojo=1");
}

TEST(Propagation, RepeatedTraceparentIsTreatedAsAbsent) {
  http::fields in;
  in.insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  in.insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b7-01");
  in.set("tracestate", "rojo=1");
  auto got = extract_trace_headers(in);
  EXPECT_EQ(got.traceparent, "");
  EXPECT_EQ(got.tracestate, "") << "no tracestate without a traceparent";
}

TEST(Propagation, NotRecordingStillPropagatesTheCallersDecision) {
  Tracer tracer({.record = false});
  auto sampled = tracer.start_server_span("x", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "");
  EXPECT_TRUE(sampled.context.sampled);
  tracer.end(std::move(sampled));
  EXPECT_EQ(tracer.queued(), 0u);
  http::fields out;
  auto root = tracer.start_server_span("x", "", "");
  inject_trace_headers(out, root.context);
  EXPECT_TRUE(parse_traceparent(out["traceparent"]));
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Telemetry, BuildsEveryPartFromConfig) {
  char tmpl[] = "/tmp/observe-telemetry-XXXXXX";
  fs::path dir = mkdtemp(tmpl);
  boost::asio::io_context io;
  TelemetryConfig cfg;
  cfg.access_log = (dir / "access.log").string();
  cfg.audit_log = (dir / "audit.log").string();
  cfg.otlp_url = "http://127.0.0.1:9/v1/traces";
  auto t = Telemetry::create(cfg, io.get_executor());
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_NE((*t)->access_log(), nullptr);
  ASSERT_NE((*t)->audit_log(), nullptr);
  ASSERT_NE((*t)->exporter(), nullptr);
  EXPECT_EQ((*t)->sinks().size(), 2u);
  (*t)->access_log()->write({.route = "/mcp", .status = 200});
  (*t)->audit_log()->write({.principal = "alice", .decision = "allow"});
  EXPECT_NE(slurp(dir / "access.log").find("\"route\":\"/mcp\""), std::string::npos);
  EXPECT_NE(slurp(dir / "audit.log").find("\"principal\":\"alice\""), std::string::npos);
  (*t)->metrics().config_reloads->with({"ok"}).inc();
  EXPECT_NE((*t)->registry().render().find("gatehouse_config_reloads_total{outcome=\"ok\"} 1"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Telemetry, RejectsBadConfig) {
  boost::asio::io_context io;
  EXPECT_FALSE(Telemetry::create({.access_log = "/nonexistent/dir/a.log"}, io.get_executor()));
  EXPECT_FALSE(Telemetry::create({.access_log = "", .otlp_url = "https://x/v1/traces"}, io.get_executor()));
  EXPECT_FALSE(Telemetry::create({.access_log = "", .sample_ratio = 1.5}, io.get_executor()));
  auto none = Telemetry::create({.access_log = ""}, io.get_executor());
  ASSERT_TRUE(none);
  EXPECT_EQ((*none)->access_log(), nullptr);
  EXPECT_EQ((*none)->exporter(), nullptr);
}

}  // namespace
}  // namespace gatehouse::observe
